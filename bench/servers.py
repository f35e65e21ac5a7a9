"""Everything the benchmark runs on loopback: the app under gunicorn with production
settings, a mail server and an SMS gateway that keep what they receive (the bench reads
the codes there, as a phone would), and a bare Flask app for the throughput comparison.

Every server binds 127.0.0.1 only and is stopped by `Stack.close()`, also on error.
"""
from __future__ import annotations

import email
import email.policy
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS, THREADS = 2, 4


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """Messages received by the local SMTP server and SMS gateway, oldest first."""

    messages: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, channel: str, to: str, body: str) -> None:
        with self.lock:
            self.messages.append({"channel": channel, "to": to, "body": body, "at": time.time()})

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def wait_new(self, since: int, timeout: float = 15.0) -> dict:
        """The first message received after the first `since` ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) > since:
                    return self.messages[since]
            time.sleep(0.05)
        raise TimeoutError("no message reached the local mail server or SMS gateway")


class _MailHandler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        for to in envelope.rcpt_tos:
            self.inbox.add("mail", to, body)
        return "250 Message accepted for delivery"


def _sms_handler(inbox: Inbox, token: str):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Authorization") != f"Bearer {token}":
                self.send_response(401)
                self.end_headers()
                return
            try:
                sms = json.loads(data)
                inbox.add("sms", str(sms["to"]), str(sms["text"]))
            except (ValueError, KeyError, TypeError):
                self.send_response(400)
                self.end_headers()
                return
            send_json(self, b'{"status":"queued"}')

        def log_message(self, *args) -> None:
            pass

    return Handler


def send_json(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    """A 200 answer carrying the JSON `body`."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def wait_until_up(url: str, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server stopped with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
            last = error
        except OSError as error:
            last = error
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s ({last})")


def gunicorn_command(app: str, port: int, log: Path) -> list[str]:
    return [str(BIN / "gunicorn"), "--workers", str(WORKERS), "--threads", str(THREADS),
            "--bind", f"127.0.0.1:{port}", "--worker-tmp-dir", "/dev/shm",
            "--error-logfile", str(log), "--log-level", "warning", app]


class Stack:
    """The app (production settings) plus its mail server and SMS gateway."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="moncompte-bench-"))
        self.inbox = Inbox()
        self.processes: list[subprocess.Popen] = []
        self._smtp = None
        self._sms: ThreadingHTTPServer | None = None
        self.env: dict[str, str] = {}
        self.base_url = ""
        self.log = self.tmp / "gunicorn.log"

    # --- message catchers -----------------------------------------------------------
    def _start_catchers(self) -> tuple[int, int, str]:
        from aiosmtpd.controller import Controller

        smtp_port = free_port()
        self._smtp = Controller(_MailHandler(self.inbox), hostname="127.0.0.1", port=smtp_port)
        self._smtp.start()
        token = secrets.token_urlsafe(24)
        self._sms = ThreadingHTTPServer(("127.0.0.1", 0), _sms_handler(self.inbox, token))
        threading.Thread(target=self._sms.serve_forever, daemon=True).start()
        return smtp_port, self._sms.server_address[1], token

    # --- the app --------------------------------------------------------------------
    def start(self) -> "Stack":
        smtp_port, sms_port, token = self._start_catchers()
        port = free_port()
        # Limits shared by the WORKERS processes, as production requires (services/config.py).
        if not shutil.which("redis-server"):
            raise RuntimeError("The bench runs gunicorn with several workers: it needs "
                               "redis-server (apt-get install redis-server).")
        redis_port = free_port()
        self.processes.append(subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SMTP_", "SMS_",
                                                                      "MAIL_", "FRANCECONNECT_"))}
        env.update({
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),  # new for every run
            "PUBLIC_URL": "https://moncompte.example",
            "DATABASE_URL": f"sqlite:///{self.tmp / 'bench.db'}",
            "QUEUE_URI": f"sqlite:///{self.tmp / 'queue.db'}",
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
            "WORKER_PROCESSES": str(WORKERS),
            "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
            "SMTP_STARTTLS": "0",
            "SMS_BACKEND": "http", "SMS_GATEWAY_URL": f"http://127.0.0.1:{sms_port}/sms",
            "SMS_GATEWAY_TOKEN": token,
            "FRANCECONNECT_ISSUER": "",
            "SERVER_TIMING": "1",  # Server-Timing: app;dur=… on every answer (services/web.py)
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        env.pop("SESSION_COOKIE_SECURE", None)  # production default: on
        env.pop("DEV_TOOLS", None)
        self.env = env
        flask = [str(BIN / "flask"), "--app", "app"]
        for command in ("init-db", "demo-data"):
            done = subprocess.run([*flask, command], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=120)
            if done.returncode:
                raise RuntimeError(f"flask {command} failed:\n{done.stderr[-2000:]}")
        self.base_url = f"http://localhost:{port}"  # localhost: a secure context for Secure cookies
        self.processes.append(self.spawn(gunicorn_command("app:create_app()", port, self.log)))
        # The message worker: the pages put the codes in the queue, it sends them.
        self.processes.append(self.spawn([str(BIN / "python"), "-m", "services.worker",
                                          "-k", "thread", "-w", "4", "-m", "0.2", "-q"]))
        wait_until_up(f"http://127.0.0.1:{port}/connexion", process=self.processes[-1])
        return self

    def spawn(self, command: list[str], extra_env: dict | None = None) -> subprocess.Popen:
        return subprocess.Popen(command, cwd=ROOT, env={**self.env, **(extra_env or {})},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

    def stop_process(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)  # gunicorn's master and its workers
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def close(self) -> None:
        for process in self.processes:
            self.stop_process(process)
        if self._smtp is not None:
            self._smtp.stop()
        if self._sms is not None:
            self._sms.shutdown()
            self._sms.server_close()
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "Stack":
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()
