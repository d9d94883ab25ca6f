"""Every actor module, imported so the worker process declares them all."""

from workers.actors import accounts, aggregation, exports, invitations, mixing, relay, routing

__all__ = ["accounts", "aggregation", "exports", "invitations", "mixing", "relay", "routing"]
