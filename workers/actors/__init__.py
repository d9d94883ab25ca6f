"""Every actor module, imported so the worker process declares them all."""

from workers.actors import invitations, relay, routing

__all__ = ["invitations", "relay", "routing"]
