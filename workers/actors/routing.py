"""Which actors consume which outbox topic: the explicit handler table.

The relay publishes one message per consumer of an event's topic; a consumer
records a receipt under its actor name in the same transaction as its effect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from dramatiq import Actor

from surveys.domain.events import TOPICS

A = TypeVar("A", bound=Actor[Any, Any])

#: topic -> actors consuming it
ROUTES: dict[str, list[Actor[Any, Any]]] = {topic: [] for topic in TOPICS}


def consumes(topic: str) -> Callable[[A], A]:
    """Register the decorated actor as a consumer of ``topic``."""
    if topic not in ROUTES:
        raise ValueError(f"unknown topic {topic!r}")

    def register(actor: A) -> A:
        if actor not in ROUTES[topic]:
            ROUTES[topic].append(actor)
        return actor

    return register


def consumers_by_topic() -> dict[str, list[str]]:
    return {topic: [a.actor_name for a in actors] for topic, actors in ROUTES.items()}
