"""The mixer actor: one pass over the sealed inbox (surveys/intake/mixing.py).

Started by the clock every ``FLIPSIDE_MIX_INTERVAL_HOURS`` (default 24) and
when a climate round closes (workers/actors/aggregation.py), never per
submission, so a release does not mark the moment of anyone's submission. A
pass is one transaction under a lock: redelivered or run twice, the second
finds only what is still sealed. Logs carry counts only.
"""

from __future__ import annotations

import logging

import dramatiq

from surveys.intake.mixing import mix_now
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import heartbeat, redaction, runtime

QUEUE = "aggregation"
#: The mixer's last pass is kept this long in Redis (longer than any mix interval).
MIXER_BEAT_KEPT_SECONDS = 40 * 24 * 3600.0
log = logging.getLogger(__name__)


@dramatiq.actor(
    actor_name="mix_submissions",
    queue_name=QUEUE,
    max_retries=20,
    min_backoff=1000,
    max_backoff=300_000,
    time_limit=30 * 60_000,
)
def mix_submissions() -> None:
    """Open the sealed inbox and release every batch that holds at least k people."""
    settings = runtime.settings()
    report = mix_now(runtime.db(), settings.required_keys, default_k=settings.min_group_size)
    # The time of the last completed pass: /healthz compares it with the interval.
    try:
        store = heartbeat.store(settings.redis_url)
        store.beat(heartbeat.MIXER, "mixer", MIXER_BEAT_KEPT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - the pass is done; /healthz will say it is late
        log.warning("mixer heartbeat not written (%s)", type(exc).__name__)
    log.info(
        "mixer: %d released in %d batches, %d waiting",
        report.released,
        report.batches,
        report.waiting,
    )


def enqueue_mix() -> None:
    """The clock's job: one pass, on the workers."""
    mix_submissions.send()


redaction.protect(mix_submissions.logger)
