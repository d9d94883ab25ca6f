"""The production recipe run on loopback: gunicorn started as deploy/systemd/flipside-web.service
starts it (its ExecStart and Environment=), behind nginx configured from deploy/nginx/flipside.conf
(only ports, certificate and log paths changed), with a throwaway self-signed certificate."""

from __future__ import annotations

import http.client
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.services import required

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy/systemd/flipside-web.service"
NGINX = ROOT / "deploy/nginx/flipside.conf"
ENV_FILE = ROOT / "deploy/flipside.env.example"
HOST = "surveys.example.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unit_values(name: str) -> list[str]:
    """Every ``name=`` value of the web unit's [Service] section."""
    return [
        line.split("=", 1)[1].strip()
        for line in UNIT.read_text().splitlines()
        if line.startswith(f"{name}=")
    ]


def unit_environment() -> dict[str, str]:
    env: dict[str, str] = {}
    for value in unit_values("Environment"):
        for item in shlex.split(value):
            key, _, val = item.partition("=")
            env[key] = val
    return env


def env_file() -> dict[str, str]:
    """The recipe's env file, placeholders left for the caller to replace."""
    values = {}
    for line in ENV_FILE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def gunicorn_command(port: int) -> list[str]:
    """The unit's ExecStart with this virtualenv's gunicorn, on ``port``, two workers."""
    (exec_start,) = unit_values("ExecStart")
    args = shlex.split(exec_start)
    assert args[0].endswith("/gunicorn"), exec_start
    args = [sys.executable, "-m", "gunicorn", *args[1:]]
    # The unit's files live under /opt/flipside on a server; here, in this checkout.
    args = [a.replace("/opt/flipside/", f"{ROOT}/") for a in args]
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    args[args.index("--workers") + 1] = "2"  # a shared test machine
    return args


def nginx_config(workdir: Path, https_port: int, http_port: int, app_port: int) -> Path:
    """deploy/nginx/flipside.conf with loopback ports, a test certificate and local logs."""
    text = NGINX.read_text()
    text = re.sub(r"^\s*listen \[::\]:.*$", "", text, flags=re.M)
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl;")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    text = re.sub(r"/etc/letsencrypt/live/[^/]+/fullchain.pem", str(workdir / "cert.pem"), text)
    text = re.sub(r"/etc/letsencrypt/live/[^/]+/privkey.pem", str(workdir / "key.pem"), text)
    text = text.replace("/var/log/nginx/", f"{workdir}/")
    (workdir / "flipside.conf").write_text(text)
    temp = workdir / "temp"
    temp.mkdir(exist_ok=True)
    main = workdir / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {workdir}/nginx.pid;\n"
        f"error_log {workdir}/error.log;\nevents {{ worker_connections 64; }}\n"
        "http {\n"
        f"  client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;\n"
        f"  fastcgi_temp_path {temp}/fcgi; uwsgi_temp_path {temp}/uwsgi;\n"
        f"  scgi_temp_path {temp}/scgi; access_log {workdir}/access.log;\n"
        f"  include {workdir}/flipside.conf;\n"
        "}\n"
    )
    return main


def self_signed(workdir: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", f"/CN={HOST}", "-keyout", str(workdir / "key.pem"),
            "-out", str(workdir / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def wait_for(port: int, proc: subprocess.Popen[bytes], log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited with {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port} after {seconds}s: {log.read_text()[-3000:]}")


def wait_for_app(port: int, proc: subprocess.Popen[bytes], log: Path, seconds: float = 180) -> None:
    """Until both gunicorn workers answer (each imports the app when it boots)."""
    deadline = time.monotonic() + seconds
    answered = 0
    while time.monotonic() < deadline and answered < 4:
        if proc.poll() is not None:
            raise AssertionError(
                f"gunicorn exited with {proc.returncode}: {log.read_text()[-3000:]}"
            )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds)
        try:
            conn.request("GET", "/auth/login")
            conn.getresponse().read()
            answered += 1
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    if answered < 4:
        raise AssertionError(f"gunicorn did not answer in {seconds}s: {log.read_text()[-3000:]}")


def need_nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        message = "nginx is not installed (make proxy-deps, or apt-get install nginx-light)"
        if required():
            pytest.fail(f"{message} and REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(message)
    return found


@contextmanager
def recipe(workdir: Path, env: dict[str, str]) -> Iterator[int]:
    """gunicorn and nginx as the recipe runs them; yields nginx's HTTPS port."""
    nginx = need_nginx()
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    self_signed(workdir)
    config = nginx_config(workdir, https_port, http_port, app_port)
    app_log, proxy_log = workdir / "gunicorn.log", workdir / "nginx.out"
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env, **unit_environment()}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with open(app_log, "wb") as out:
            procs.append(
                subprocess.Popen(
                    gunicorn_command(app_port), cwd=ROOT, env=full_env, stdout=out, stderr=out
                )
            )
        wait_for_app(app_port, procs[0], app_log)
        with open(proxy_log, "wb") as out:
            procs.append(
                subprocess.Popen(
                    [nginx, "-c", str(config), "-p", str(workdir)], stdout=out, stderr=out
                )
            )
        wait_for(https_port, procs[1], workdir / "error.log")
        yield https_port
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
