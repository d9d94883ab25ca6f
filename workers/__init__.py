"""Dramatiq workers. ``dramatiq workers`` imports this package, which declares every actor.

Every actor module imports :mod:`workers.broker` first, so the broker is chosen
before any actor is declared, whatever the import order.
"""

from workers import actors, broker

__all__ = ["actors", "broker"]
