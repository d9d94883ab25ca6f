"""Relay nudges: commits in one window share one message; a broker outage pauses them."""

from __future__ import annotations

import threading

from workers.runtime import Nudger


def test_commits_in_one_window_share_one_nudge() -> None:
    sent = threading.Event()
    calls: list[int] = []

    def send() -> None:
        calls.append(1)
        sent.set()

    nudge = Nudger(send, window=0.2)
    for _ in range(50):
        nudge()
    assert sent.wait(5)
    assert calls == [1]
    sent.clear()
    nudge()  # a later commit starts a new window
    assert sent.wait(5) and calls == [1, 1]


def test_a_failed_nudge_pauses_nudging_instead_of_failing_commits() -> None:
    tried = threading.Event()
    calls: list[int] = []

    def send() -> None:
        calls.append(1)
        tried.set()
        raise ConnectionError("redis is down")

    nudge = Nudger(send, window=0.01)
    nudge()
    assert tried.wait(5)
    for _ in range(10):
        nudge()  # returns at once: paused, nothing scheduled
    assert nudge._timer is None and calls == [1]
