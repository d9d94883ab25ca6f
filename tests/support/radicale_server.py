"""A real Radicale CalDAV server on a free loopback port, and helpers that talk CalDAV to it.

Radicale runs as a subprocess of the test (``python -m radicale``) with its storage in
a temporary directory and htpasswd authentication (plain), so connectors authenticate
the way they would against a firm's server. Events are written with the ``caldav``
client: MKCALENDAR, PUT of iCalendar objects, DELETE.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from caldav.davclient import DAVClient

USER = "calendar-reader"
PASSWORD = "radicale-test-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Radicale:
    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        users = workdir / "users"
        users.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "radicale",
                "--server-hosts", f"127.0.0.1:{self.port}",
                "--storage-filesystem-folder", str(workdir / "collections"),
                "--auth-type", "htpasswd",
                "--auth-htpasswd-filename", str(users),
                "--auth-htpasswd-encryption", "plain",
                "--rights-type", "owner_only",
                "--logging-level", "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(self.base + "/.web", timeout=1)
                break
            except requests.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("Radicale did not start within 20 s") from None
                time.sleep(0.1)

    def make_calendar(self, name: str) -> tuple[str, object]:
        """A new calendar collection (MKCALENDAR); its URL and a caldav Calendar for it."""
        url = f"{self.base}/{USER}/{name}/"
        client = DAVClient(
            url=self.base, username=USER, password=PASSWORD, enable_rfc6764=False,
            require_tls=False,
        )  # fmt: skip
        calendar = client.principal().make_calendar(name=name, cal_id=name)
        return url, calendar

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def vevent(
    uid: str,
    start: str,
    end: str,
    attendees: list[tuple[str, str]],
    *,
    tz: str = "Europe/London",
    extra: str = "",
) -> str:
    """One VCALENDAR with one VEVENT; ``attendees`` as (e-mail, PARTSTAT); times local to ``tz``."""
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//flipside tests//EN", "BEGIN:VEVENT",
        f"UID:{uid}", "DTSTAMP:20260101T000000Z",
        f"DTSTART;TZID={tz}:{start}", f"DTEND;TZID={tz}:{end}",
    ]  # fmt: skip
    lines += [f"ATTENDEE;PARTSTAT={p}:mailto:{e}" for e, p in attendees]
    lines += [line for line in extra.strip().splitlines() if line]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"
