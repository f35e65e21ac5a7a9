"""Everything `make load` runs, on 127.0.0.1 only, and stops at the end (also on error or
Ctrl-C): its own PostgreSQL (initdb into a temporary folder, a free port), its own Redis
(no persistence), the mail server and SMS gateway of the benchmark (bench/servers.py)
whose messages the virtual people read over HTTP (the outbox), and the app under
gunicorn with production settings and 4 workers.

Nothing here touches the PostgreSQL or Redis of scripts/services.sh: stopping and
restarting ours hurts nobody.
"""
from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.servers import (Inbox, _MailHandler, _sms_handler, free_port, send_json,
                           wait_until_up)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS, THREADS = 4, 4


class SetupError(RuntimeError):
    """The stack could not start; the message says what to do."""


def say(text: str) -> None:
    print(text, flush=True)


def _run(command: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode:
        raise SetupError(f"{' '.join(command[:3])}… failed ({done.returncode}):\n"
                         f"{(done.stderr or done.stdout)[-1500:]}")
    return done


# --- PostgreSQL and Redis binaries --------------------------------------------------------

def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: [int(x) for x in p.split("/")[4].split(".") if x.isdigit()])
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def install_missing() -> None:
    """PostgreSQL and Redis from Debian's packages when missing, as scripts/services.sh
    does, but without letting the packages start shared services (a policy-rc.d that
    says no while apt-get runs, removed afterwards)."""
    wanted = [name for name, present in (("postgresql", pg_bin() is not None),
                                         ("redis-server", shutil.which("redis-server") is not None))
              if not present]
    if not wanted:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SetupError(f"missing {' '.join(wanted)}: install them (apt-get install "
                         f"{' '.join(wanted)}) or run `make load` as root")
    say(f"Installing {' '.join(wanted)} (apt-get)…")
    policy = Path("/usr/sbin/policy-rc.d")
    ours = not policy.exists()
    if ours:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        _run(["apt-get", "update", "-qq"], 180, env=env)
        _run(["apt-get", "install", "-y", "-qq", *wanted], 240, env=env)
    finally:
        if ours:
            policy.unlink(missing_ok=True)
    if pg_bin() is None or not shutil.which("redis-server"):
        raise SetupError("PostgreSQL or Redis is still missing after apt-get install")


# --- PostgreSQL -----------------------------------------------------------------------------

class Postgres:
    """A throw-away cluster: trust authentication, 127.0.0.1 only, a free port."""

    def __init__(self, tmp: Path) -> None:
        self.bin = pg_bin()
        if self.bin is None:
            raise SetupError("PostgreSQL is not installed")
        self.data = tmp / "pg"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError as error:
                raise SetupError("running as root but there is no `postgres` user") from error
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/moncompte"

    def _as_owner(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if self.user else command

    def _ctl(self, *args: str, timeout: float = 40) -> None:
        _run(self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), *args]), timeout)

    def start(self) -> None:
        self.data.mkdir(mode=0o700)
        if self.user:
            os.chown(self.data, self.user.pw_uid, self.user.pw_gid)
        _run(self._as_owner([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                             "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]), 90)
        self.up()
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE DATABASE moncompte")

    def _options(self) -> str:
        return f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c max_connections=200"

    def up(self) -> None:
        self._ctl("-l", str(self.data / "server.log"), "-w", "-t", "30", "-o", self._options(), "start")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection is cut, the server starts again."""
        self._ctl("-l", str(self.data / "server.log"), "-m", "fast", "-w", "-t", "30",
                  "-o", self._options(), "restart")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "-t", "30", "stop")

    def pid(self) -> int | None:
        try:
            first = (self.data / "postmaster.pid").read_text().split("\n")[0]
        except OSError:
            return None
        return int(first) if first.isdigit() else None

    def ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                pass
        except OSError:
            return False
        done = subprocess.run([str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p",
                               str(self.port)], timeout=5)
        return done.returncode == 0

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except (SetupError, subprocess.TimeoutExpired, OSError):
                pid = (self.data / "postmaster.pid").read_text().split("\n")[0]
                if pid.isdigit():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except ProcessLookupError:
                        pass


# --- Redis --------------------------------------------------------------------------------

class Redis:
    def __init__(self, tmp: Path) -> None:
        if not shutil.which("redis-server"):
            raise SetupError("redis-server is not installed")
        self.tmp = tmp
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp), "--daemonize", "no",
             "--logfile", str(self.tmp / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SetupError(f"redis-server did not start (see {self.tmp / 'redis.log'})")
            time.sleep(0.05)

    def ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def shutdown(self) -> None:
        """What an operator's `redis-cli shutdown nosave` does; waits for the process."""
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "shutdown", "nosave"],
                       capture_output=True, timeout=10)
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def command(self, *args: str) -> str:
        done = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *args],
                              capture_output=True, text=True, timeout=10)
        return done.stdout

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


# --- the outbox: the mail server and SMS gateway of bench/servers.py, read over HTTP -------

class Outbox(Inbox):
    """bench's Inbox, with the messages of each address at hand."""

    def __init__(self) -> None:
        super().__init__()
        self.by_address: dict[str, list[dict]] = {}

    def add(self, channel: str, to: str, body: str) -> None:
        item = {"channel": channel, "to": to, "body": body, "at": time.time()}
        with self.lock:
            self.messages.append(item)
            self.by_address.setdefault(to.lower(), []).append(item)

    def of(self, address: str) -> list[dict]:
        with self.lock:
            return list(self.by_address.get(address.lower(), []))


def _outbox_handler(outbox: Outbox):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            parts = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parts.query)
            if parts.path != "/messages" or "to" not in query:
                self.send_response(404)
                self.end_headers()
                return
            messages = outbox.of(query["to"][0])
            send_json(self, json.dumps({"count": len(messages), "messages": messages}).encode())

        def log_message(self, *args) -> None:
            pass

    return Handler


class Catchers:
    """SMTP server + SMS gateway (bench/servers.py) + the outbox's HTTP side."""

    def __init__(self) -> None:
        self.outbox = Outbox()
        self._smtp = None
        self._sms: ThreadingHTTPServer | None = None
        self._http: ThreadingHTTPServer | None = None
        self.smtp_port = self.sms_port = 0
        self.token = secrets.token_urlsafe(24)
        self.url = ""

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.smtp_port = free_port()
        self._smtp = Controller(_MailHandler(self.outbox), hostname="127.0.0.1", port=self.smtp_port)
        self._smtp.start()
        self._sms = ThreadingHTTPServer(("127.0.0.1", 0), _sms_handler(self.outbox, self.token))
        self._sms.daemon_threads = True
        self.sms_port = self._sms.server_address[1]
        threading.Thread(target=self._sms.serve_forever, daemon=True).start()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _outbox_handler(self.outbox))
        self._http.daemon_threads = True
        self._http.request_queue_size = 256
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        if self._smtp is not None:
            self._smtp.stop()
        for server in (self._sms, self._http):
            if server is not None:
                server.shutdown()
                server.server_close()


# --- the whole stack ------------------------------------------------------------------------

class Stack:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp = Path(tempfile.mkdtemp(prefix="moncompte-load-"))
        os.chmod(self.tmp, 0o755)  # the postgres user must reach its data folder
        self.log = out / "gunicorn.log"
        self.worker_log = out / "workers.log"
        self.messages: subprocess.Popen | None = None
        self.pg: Postgres | None = None
        self.redis: Redis | None = None
        self.catchers = Catchers()
        self.gunicorn: subprocess.Popen | None = None
        self.port = 0
        self.base_url = ""
        self.env: dict[str, str] = {}
        self.secret_key = secrets.token_urlsafe(48)

    def start(self) -> "Stack":
        install_missing()
        self.pg = Postgres(self.tmp)
        self.redis = Redis(self.tmp)
        started = time.monotonic()
        self.pg.start()
        self.redis.start()
        self.catchers.start()
        say(f"PostgreSQL on 127.0.0.1:{self.pg.port}, Redis on 127.0.0.1:{self.redis.port}, "
            f"outbox (SMTP :{self.catchers.smtp_port}, SMS gateway :{self.catchers.sms_port}) "
            f"— {time.monotonic() - started:.1f} s")
        self.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("FLASK_", "SMTP_", "SMS_", "MAIL_", "FRANCECONNECT_",
                                    "GUNICORN_", "SESSION_", "RATELIMIT_", "LOGIN_", "CODE_",
                                    "RESET_", "NEW_DEVICE", "DEV_TOOLS", "DATABASE_URL",
                                    "TRUSTED_PROXIES", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"))}
        env.update({
            "APP_ENV": "production",
            "SECRET_KEY": self.secret_key,  # new for every run
            "PUBLIC_URL": "https://moncompte.example",
            "DATABASE_URL": self.pg.url,
            "RATELIMIT_STORAGE_URI": self.redis.url,
            "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.catchers.smtp_port),
            "SMTP_STARTTLS": "0",
            "SMS_BACKEND": "http", "SMS_GATEWAY_URL": f"http://127.0.0.1:{self.catchers.sms_port}/sms",
            "SMS_GATEWAY_TOKEN": self.catchers.token,
            "FRANCECONNECT_ISSUER": "",
            # Behind one trusted proxy: each virtual person has its own X-Forwarded-For.
            "TRUSTED_PROXIES": "1", "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(WORKERS),
            "GUNICORN_THREADS": str(THREADS),
            "LOAD_WORKER_LOG": str(self.worker_log),
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
        })
        self.env = env
        started = time.monotonic()
        _run([str(BIN / "flask"), "--app", "app", "init-db"], 120, cwd=ROOT, env=env)
        say(f"Migrations (flask init-db) on PostgreSQL — {time.monotonic() - started:.1f} s")
        return self

    def start_app(self) -> None:
        for path in (self.log, self.worker_log):
            path.unlink(missing_ok=True)
        with open(self.log, "ab") as log:
            self.gunicorn = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(ROOT / "load" / "gunicorn_conf.py"), "app:create_app()"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if self.messages is None or self.messages.poll() is not None:
            # The message worker: the pages put the codes in the queue (Redis), it sends them.
            with open(self.out / "messages.log", "ab") as log:
                self.messages = subprocess.Popen(
                    [str(BIN / "python"), "-m", "services.worker", "-k", "thread", "-w", "4", "-q"],
                    cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.base_url = f"http://127.0.0.1:{self.port}"
        wait_until_up(f"{self.base_url}/sante", timeout=30, process=self.gunicorn)
        # Every worker up (the master answers through the first one as soon as it is ready).
        deadline = time.monotonic() + 20
        while len(self.worker_pids()) < WORKERS and time.monotonic() < deadline:
            time.sleep(0.1)

    def worker_pids(self) -> list[int]:
        if self.gunicorn is None:
            return []
        done = subprocess.run(["pgrep", "-P", str(self.gunicorn.pid)], capture_output=True, text=True)
        return [int(x) for x in done.stdout.split()]

    def log_offset(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        with open(self.log, "rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")

    def close(self) -> None:
        if self.gunicorn is not None and self.gunicorn.poll() is None:
            try:
                os.killpg(self.gunicorn.pid, signal.SIGTERM)
                self.gunicorn.wait(timeout=25)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.gunicorn.pid, signal.SIGKILL)
                self.gunicorn.wait(timeout=5)
        if self.messages is not None and self.messages.poll() is None:
            try:
                os.killpg(self.messages.pid, signal.SIGTERM)
                self.messages.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.messages.pid, signal.SIGKILL)
        for part in (self.catchers, self.redis, self.pg):
            if part is not None:
                try:
                    part.close()
                except Exception as error:  # noqa: BLE001 - the rest must still stop
                    say(f"cleanup: {type(part).__name__}: {error}")
        if self.pg is not None and (self.pg.data / "server.log").exists():
            shutil.copy(self.pg.data / "server.log", self.out / "postgresql.log")
        if (self.tmp / "redis.log").exists():
            shutil.copy(self.tmp / "redis.log", self.out / "redis.log")
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- who used the CPU -----------------------------------------------------------------------

class CpuMeter:
    """CPU seconds used by each part (a process and its children; a process already in an
    earlier group is not counted again) between start() and stop(), and by the whole
    machine: on 2 cores, locust and the app share the CPU."""

    def __init__(self, groups: dict[str, int | None]) -> None:
        self.groups = {name: pid for name, pid in groups.items() if pid}
        self._start: dict[int, float] = {}
        self._machine = None
        self._t = 0.0

    def _processes(self) -> dict[int, tuple[str, float]]:
        import psutil

        found: dict[int, tuple[str, float]] = {}
        for name, pid in self.groups.items():
            try:
                root = psutil.Process(pid)
                members = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for process in members:
                if process.pid in found:  # the first group that names a process keeps it
                    continue
                try:
                    times = process.cpu_times()
                    found[process.pid] = (name, times.user + times.system)
                except psutil.Error:
                    pass
        return found

    def start(self) -> None:
        import psutil

        self._start = {pid: used for pid, (_, used) in self._processes().items()}
        self._machine = psutil.cpu_times()
        self._t = time.monotonic()

    def stop(self, exited: dict[str, float] | None = None) -> dict:
        """`exited`: CPU seconds of a group whose process has ended meanwhile (it says them
        itself: locust writes its own)."""
        import psutil

        wall = max(0.001, time.monotonic() - self._t)
        used: dict[str, float] = {name: 0.0 for name in self.groups}
        for pid, (name, seconds) in self._processes().items():
            used[name] += seconds - self._start.get(pid, 0.0)
        used.update(exited or {})
        end = psutil.cpu_times()
        busy = sum(getattr(end, f) - getattr(self._machine, f) for f in end._fields if f not in ("idle", "iowait"))
        cores = os.cpu_count() or 1
        used["other processes on this machine"] = max(0.0, busy - sum(used.values()))
        return {"seconds": round(wall, 1), "cores": cores,
                "machine_busy_percent": round(100 * busy / (wall * cores), 1),
                "cores_used": {name: round(seconds / wall, 2) for name, seconds in used.items()}}
