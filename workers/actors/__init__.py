"""Every actor module, imported so the worker process declares them all.

``routing`` holds the explicit handler table (topic -> consuming actors) that the
``relay`` publishes by; ``mixing`` and ``calendars`` (reading calendar connectors)
are started by the clock, not by an event; ``reports`` stores each released
programme's reports (sent after a release commits).
"""

from workers.actors import (
    accounts,
    aggregation,
    calendars,
    exports,
    invitations,
    mixing,
    relay,
    reports,
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
    "reports",
    "routing",
]
