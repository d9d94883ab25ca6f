"""Every actor module, imported so the worker process declares them all.

``routing`` holds the explicit handler table (topic -> consuming actors) that the
``relay`` publishes by; ``mixing`` and ``calendars`` (reading calendar connectors)
are started by the clock, not by an event.
"""

from workers.actors import (
    accounts,
    aggregation,
    calendars,
    exports,
    invitations,
    mixing,
    relay,
    routing,
)

__all__ = [
    "accounts",
    "aggregation",
    "calendars",
    "exports",
    "invitations",
    "mixing",
    "relay",
    "routing",
]
