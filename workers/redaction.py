"""Keep response ids out of worker logs.

Dramatiq logs messages with their arguments (at DEBUG on receipt, at ERROR on
failure) and database errors quote their parameters; a response id next to the
time of a log line would say when that response was submitted, which anonymity
forbids (PRODUCT.md 2.3). :class:`RedactUUIDs` replaces every UUID-shaped token
and every ``response_id`` value in such records with ``<redacted>``.
"""

from __future__ import annotations

import logging
import re

_ID = r"[0-9A-Za-z]{8}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{12}|[0-9a-fA-F]{32}"
_RESPONSE_ID = r"(?<=response_id)(['\"]?\s*[=:]\s*)(['\"])[^'\"]*\2"
PATTERN = re.compile(f"{_ID}")
RESPONSE_ID = re.compile(_RESPONSE_ID)

#: Dramatiq's loggers that format messages (with their arguments) or exceptions.
LOGGERS = (
    "dramatiq.worker.WorkerThread",
    "dramatiq.worker.ConsumerThread",
    "dramatiq.middleware.retries.Retries",
    "dramatiq.middleware.time_limit.TimeLimit",
)


def redact(text: str) -> str:
    return PATTERN.sub("<redacted>", RESPONSE_ID.sub(r"\1'<redacted>'", text))


class RedactUUIDs(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def protect(logger: logging.Logger) -> None:
    """Redact the records logged on ``logger`` (an actor's own logger, for instance)."""
    if not any(isinstance(f, RedactUUIDs) for f in logger.filters):
        logger.addFilter(RedactUUIDs())


def install() -> None:
    for name in LOGGERS:
        protect(logging.getLogger(name))
