"""Relay nudges are coalesced off the request path, and none is lost."""

from __future__ import annotations

import threading
import time

from workers.runtime import Nudger


def wait_until(predicate, seconds: float = 5) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_a_burst_of_commits_sends_few_nudges_but_at_least_one() -> None:
    release = threading.Event()
    calls: list[int] = []

    def slow_send() -> None:
        calls.append(1)
        release.wait(5)

    nudge = Nudger(slow_send)
    for _ in range(200):
        nudge()  # returns at once: the request never waits for the broker
    assert wait_until(lambda: len(calls) == 1)
    release.set()
    assert wait_until(lambda: nudge.sent >= 1)
    time.sleep(0.1)
    assert 1 <= len(calls) <= 2


def test_a_commit_during_a_send_gets_a_nudge_of_its_own() -> None:
    in_send = threading.Event()
    release = threading.Event()
    calls: list[int] = []

    def send() -> None:
        calls.append(1)
        if len(calls) == 1:
            in_send.set()
            release.wait(5)

    nudge = Nudger(send)
    nudge()
    assert in_send.wait(5)
    nudge()  # arrives while the first nudge is still being sent
    release.set()
    assert wait_until(lambda: len(calls) == 2)


def test_a_failing_broker_does_not_stop_later_nudges() -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("redis down")

    nudge = Nudger(flaky)
    nudge()
    assert wait_until(lambda: len(calls) == 1)
    time.sleep(0.05)
    nudge()
    assert wait_until(lambda: len(calls) == 2)
