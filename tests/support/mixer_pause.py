"""Test-only hook for `dramatiq` worker processes: the mixer pauses inside its transaction.

Loaded as an extra module of the worker command line (never by the application).
With ``FLIPSIDE_TEST_MIX_PAUSE_FILE`` set, every mixer pass, once it has inserted
its batches' responses and counted them but before it deletes the sealed rows and
commits, touches that file and sleeps ``FLIPSIDE_TEST_MIX_PAUSE_SECONDS`` (default
60): the moment a fault test kills the process (SIGKILL) or stops Redis.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from surveys.intake import mixing

_real_store = mixing.store


def _store_then_pause(*args: Any, **kwargs: Any) -> int:
    stored = _real_store(*args, **kwargs)
    marker = os.environ.get("FLIPSIDE_TEST_MIX_PAUSE_FILE")
    if marker:
        # Written whole, then renamed into place: a test that sees the file exist must
        # never read it half-written (under load, creation and the write are apart).
        partial = Path(f"{marker}.partial")
        partial.write_text(str(stored))
        os.replace(partial, marker)
        time.sleep(float(os.environ.get("FLIPSIDE_TEST_MIX_PAUSE_SECONDS", "60")))
    return stored


mixing.store = _store_then_pause  # type: ignore[assignment]  # mix_pass looks it up per call
