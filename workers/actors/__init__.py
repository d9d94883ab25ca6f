"""Every actor module, imported so the worker process declares them all."""

from workers.actors import aggregation, invitations, relay, routing

__all__ = ["aggregation", "invitations", "relay", "routing"]
