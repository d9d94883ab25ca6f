"""Every actor module, imported so the worker process declares them all."""

from workers.actors import aggregation, relay, routing

__all__ = ["aggregation", "relay", "routing"]
