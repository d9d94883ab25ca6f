"""Every actor module, imported so the worker process declares them all."""

from workers.actors import relay, routing

__all__ = ["relay", "routing"]
