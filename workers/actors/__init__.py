"""Every actor module, imported so the worker process declares them all."""

from workers.actors import aggregation, exports, invitations, mixing, relay, routing

__all__ = ["aggregation", "exports", "invitations", "mixing", "relay", "routing"]
