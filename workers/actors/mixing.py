"""The mixer actor: one pass over the sealed inbox (surveys/intake/mixing.py).

Started by the clock every ``FLIPSIDE_MIX_INTERVAL_HOURS`` (default 24) and
when a climate round closes (workers/actors/aggregation.py), never per
submission, so a release does not mark the moment of anyone's submission. A
pass is one transaction under a lock: redelivered or run twice, the second
finds only what is still sealed. Logs carry counts only. Once the pass has
committed, one message per programme it released into is sent to the
``reports`` queue, so any worker decides and stores that programme's reports
(workers/actors/reports.py); programmes it did not release into are not touched.
"""

from __future__ import annotations

import logging

import dramatiq

from surveys.db.session import Database
from surveys.intake.mixing import MixReport, mix_now
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import heartbeat, redaction, runtime
from workers.actors.reports import send_after_release

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
    db = runtime.db()
    report = mix_now(db, settings.required_keys, default_k=settings.min_group_size)
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
    store_reports_after(db, report, settings.min_group_size)


def store_reports_after(db: Database, report: MixReport, default_k: int) -> None:
    """The release step after a committed pass: one message per moved programme.

    A failure here is logged, not retried: the release is committed (a retried pass
    would find nothing to release), and a web view computes and stores the report.
    ``default_k`` is the workers' own setting, read again by each message.
    """
    del default_k
    try:
        sent = send_after_release(db, report.programmes)
    except Exception:
        log.exception("mixer: sending the release step failed; views will compute the reports")
        return
    log.info("mixer: reports of %d programmes sent to the workers", sent)


def enqueue_mix() -> None:
    """The clock's job: one pass, on the workers."""
    mix_submissions.send()


redaction.protect(mix_submissions.logger)
