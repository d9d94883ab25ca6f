"""The outbox's handler table is written out, one entry per event topic."""

from __future__ import annotations

from surveys.domain.events import TOPICS
from workers.actors.routing import ROUTES, consumers_by_topic


def test_every_event_topic_has_its_consumers_written_out_and_nothing_else() -> None:
    assert set(ROUTES) == set(TOPICS)
    assert all(ROUTES[topic] for topic in TOPICS), "a topic nobody consumes is dead weight"
    names = [name for actors in consumers_by_topic().values() for name in actors]
    assert len(names) == len(set(names)), "a consumer's receipts are kept under its name"
    assert consumers_by_topic()["export.requested"] == ["build_export"]
