"""Issue 14, item 5: the security promises hold under concurrent attack, against the app
as production runs it: gunicorn with 4 workers × 4 threads, production settings, limits
and queue in Redis, the message worker (python -m services.worker) beside it, a mail server and an
SMS gateway of ours on loopback. Counted from the outside (answers) and from the inside
(database rows, the limiter's keys in Redis, the SMS the gateway received, log lines).

It needs redis-server (scripts/services.sh installs it; `make test` starts that first).
On SQLite by default; with TEST_DATABASE_URL (the PostgreSQL run) its own schema there.
"""
from __future__ import annotations

import html
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import requests.adapters

from flask_helpers import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS, THREADS = 4, 4
START_URL, CODE_URL = "/mot-de-passe-oublie", "/mot-de-passe-oublie/code"
WRONG = "Ce code n'est pas le bon"
DEAD = "Ce code ne marche plus"

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None and not os.environ.get("TEST_REDIS_URL"),
                                reason="needs redis-server (scripts/services.sh installs it)")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nir_for(n: int) -> str:
    """A valid NIR (15 characters, key included) for the number n: nobody's, or a test account's."""
    from domain.nir import nir_key

    value = f"1850575{n:06d}"
    return value + f"{nir_key(value):02d}"


# --- an SMS gateway of ours: slow or failing on demand -------------------------------------

class Gateway:
    def __init__(self, token: str) -> None:
        self.token, self.delay, self.fail = token, 0.0, False
        self.received: list[dict] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(gateway.delay)
                ok = not gateway.fail and self.headers.get("Authorization") == f"Bearer {gateway.token}"
                if ok:
                    with gateway.lock:
                        gateway.received.append(json.loads(body))
                self.send_response(200 if ok else 503)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, phone: str) -> list[str]:
        with self.lock:
            return [m["text"] for m in self.received if m["to"] == phone]

    def wait_for(self, phone: str, count: int = 1, timeout: float = 15) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.to(phone)) < count:
            time.sleep(0.05)
        return self.to(phone)


# --- a browser: its own cookies (Secure ones too, over plain http on loopback) ------------

class Browser:
    def __init__(self, base: str) -> None:
        self.base, self.cookies, self.http = base, {}, requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=100)  # one browser, many at once
        self.http.mount("http://", adapter)

    def go(self, method: str, path: str, **kwargs) -> requests.Response:
        header = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        # A long read timeout: on a loaded CI machine 100 password checks at once take a while.
        answer = self.http.request(method, self.base + path, allow_redirects=False, timeout=180,
                                   headers={"Cookie": header} if header else {}, **kwargs)
        for line in answer.raw.headers.getlist("Set-Cookie"):
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in line.lower() or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        self.http.cookies.clear()
        return answer

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.go("GET", path).text).group(1)


# --- the stack ------------------------------------------------------------------------------

class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.processes = tmp, {}
        self.gateway = Gateway(secrets.token_urlsafe(16))
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "app.log"
        if TEST_DATABASE_URL:
            from flask_helpers import _schema_url

            self.db_url = _schema_url(TEST_DATABASE_URL, "attack")
            self._pg_schema()
        else:
            self.db_url = f"sqlite:///{tmp / 'attack.db'}"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("FLASK_", "SMTP_", "SMS_", "MAIL_", "FRANCECONNECT_",
                                         "GUNICORN_", "SESSION_", "RATELIMIT_", "LOGIN_", "CODE_",
                                         "RESET_", "QUEUE_", "MESSAGE_", "TEST_", "E2E_"))}
        self.env.update({
            "APP_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
            "PUBLIC_URL": "https://moncompte.example",
            "DATABASE_URL": self.db_url, "RATELIMIT_STORAGE_URI": self.redis_url,
            "QUEUE_URI": self.redis_url, "MESSAGE_RETRY_SECONDS": "0.2",
            "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()),
            "SMTP_STARTTLS": "0", "SMS_BACKEND": "http", "SMS_GATEWAY_URL": self.gateway.url,
            "SMS_GATEWAY_TOKEN": self.gateway.token, "FRANCECONNECT_ISSUER": "",
            # Reset requests from this one address: many people here (the timing test).
            "RESET_LIMIT_PER_ADDRESS": "1000 per hour",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(WORKERS),
            "GUNICORN_THREADS": str(THREADS), "PYTHONDONTWRITEBYTECODE": "1",
        })

    def _pg_schema(self) -> None:
        from flask_helpers import _engine

        with _engine(TEST_DATABASE_URL).begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS attack CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA attack")

    def spawn(self, name: str, command: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def start_worker(self) -> None:
        self.spawn("worker", [str(BIN / "python"), "-m", "services.worker", "-k", "thread",
                              "-w", "4", "-q"])

    def start(self) -> "Stack":
        if shutil.which("redis-server"):
            self.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no"])
        else:  # pragma: no cover - a machine with only the tests' Redis
            self.redis_url = os.environ["TEST_REDIS_URL"]
            self.env.update(RATELIMIT_STORAGE_URI=self.redis_url, QUEUE_URI=self.redis_url)
        self._make_database()
        self._add_people()
        self.spawn("app", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "app:create_app()"])
        self.start_worker()
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/sante", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer:\n" + (self.tmp / "app.log").read_text()[-3000:])
        return self

    def _make_database(self) -> None:
        """The schema and the demo accounts, as `flask init-db` and `flask demo-data` make
        them, in this process (two interpreters less to start on a busy CI machine)."""
        from app import create_app
        from services.database import create_schema, db
        from services.demo import load_demo_data

        app = create_app({"TESTING": True, "SECRET_KEY": "setup", "QUEUE_URI": "immediate",
                          "SQLALCHEMY_DATABASE_URI": self.db_url})
        with app.app_context():
            create_schema()
            load_demo_data()
            db.engine.dispose()

    def _add_people(self) -> None:
        """100 people like Karim (done, a confirmed mobile), each with their own number."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.db_url)
        with engine.begin() as conn:
            karim = conn.execute(text("SELECT password_hash FROM account WHERE nir='1750169123045'")).scalar_one()
            for n in range(100):
                conn.execute(text(
                    "INSERT INTO account (nir, display_name, password_hash, password_is_legacy, journey_state,"
                    " mobile_phone, email, code_channel, contact_verified_at, created_at)"
                    " VALUES (:nir, 'PERSONNE T.', :hash, false, 'done', :mobile, :mail, 'sms',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {"nir": nir_for(n)[:13], "hash": karim, "mobile": f"+336{n:08d}",
                     "mail": f"p{n}@example.org"})
        engine.dispose()

    def sql(self, query: str, **params):
        from sqlalchemy import create_engine, text

        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(query), params).all()
        finally:
            engine.dispose()

    def redis(self):
        import redis

        return redis.Redis.from_url(self.redis_url)

    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        self.gateway.server.shutdown()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    made = Stack(tmp_path_factory.mktemp("attack"))
    try:
        yield made.start()
    finally:
        made.close()


def person(n: int) -> tuple[str, str]:
    """(NIR as typed, mobile) of the test person n."""
    return nir_for(n), f"+336{n:08d}"


def start_reset(stack: Stack, n: int) -> tuple[Browser, str, str]:
    """A reset under way for person n: the browser, its CSRF token and the code it got."""
    browser = Browser(stack.base)
    token = browser.csrf(START_URL)
    answer = browser.go("POST", START_URL, data={"csrf_token": token, "nir": person(n)[0]})
    assert (answer.status_code, answer.headers["Location"]) == (303, CODE_URL)
    [sms] = stack.gateway.wait_for(person(n)[1])
    return browser, token, re.search(r"\b(\d{6})\b", sms).group(1)


def at_once(count: int, action) -> list:
    start = threading.Barrier(count)

    def one(i: int):
        start.wait()
        return action(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def code_row(stack: Stack, n: int):
    [row] = stack.sql("SELECT c.wrong_tries, c.used_at, c.dead FROM verification_code c "
                      "JOIN account a ON a.id = c.account_id WHERE a.nir = :nir AND c.purpose = 'reset'",
                      nir=person(n)[0][:13])
    return row


def guesses(stack: Stack, browser: Browser, token: str, typed: list[str]) -> list[tuple[int, str]]:
    def guess(i: int):
        answer = browser.go("POST", CODE_URL, data={"csrf_token": token, "code": typed[i]})
        text = html.unescape(answer.text)
        verdict = ("ok" if answer.status_code == 303 and "/nouveau/" in answer.headers.get("Location", "")
                   else "wrong" if WRONG in text else "dead" if DEAD in text
                   # The right code ended this browser's reset: it starts again.
                   else "ended" if answer.headers.get("Location") == START_URL
                   else f"other {answer.status_code}")
        return answer.status_code, verdict

    return at_once(len(typed), guess)


def wrong_codes(code: str, count: int) -> list[str]:
    return [f"{(int(code) + 1 + i) % 1_000_000:06d}" for i in range(count)]


# --- codes ---------------------------------------------------------------------------------

def test_forty_guesses_at_once_on_one_code_judge_five_wrong(stack) -> None:
    browser, token, code = start_reset(stack, 0)
    answers = guesses(stack, browser, token, wrong_codes(code, 40))
    verdicts = [v for _, v in answers]
    assert verdicts.count("wrong") == 4, verdicts  # the 5th wrong one says the code is dead
    assert verdicts.count("dead") == 36
    assert {status for status, _ in answers} == {400}
    wrong_tries, used_at, dead = code_row(stack, 0)
    assert (wrong_tries, used_at, bool(dead)) == (5, None, True)
    # And then the right code is dead too.
    assert guesses(stack, browser, token, [code]) == [(400, "dead")]


def test_the_right_code_among_forty_guesses_at_once_is_never_accepted_after_its_death(stack) -> None:
    browser, token, code = start_reset(stack, 1)
    typed = wrong_codes(code, 39)
    typed.insert(17, code)
    verdicts = [v for _, v in guesses(stack, browser, token, typed)]
    wrong_tries, used_at, _ = code_row(stack, 1)
    assert verdicts.count("ok") <= 1 and verdicts.count("wrong") <= 4
    assert not [v for v in verdicts if v.startswith("other")], verdicts
    if "ok" in verdicts:
        assert used_at is not None and wrong_tries < 5
    else:
        assert used_at is None and wrong_tries == 5


def test_ten_copies_of_the_right_code_at_once_are_accepted_once(stack) -> None:
    browser, token, code = start_reset(stack, 2)
    verdicts = [v for _, v in guesses(stack, browser, token, [code] * 10)]
    assert verdicts.count("ok") == 1, verdicts
    # The others: the code is used; or, arriving after the reset was over, back to its start.
    assert verdicts.count("dead") + verdicts.count("ended") == 9, verdicts
    wrong_tries, used_at, _ = code_row(stack, 2)
    assert used_at is not None and wrong_tries == 0


# --- limits --------------------------------------------------------------------------------
# The limits, the worker and the timing do not depend on the database: the first run
# checks them; the PostgreSQL run checks the codes (above) again, on its engine.
first_run_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="checked in the first run")


def _window(stack: Stack, spec: str, key: str, scope: str) -> int:
    """How many slots the moving window of that limit holds now, read in Redis."""
    from limits import parse

    with stack.redis() as client:
        return client.llen("LIMITS:" + parse(spec).key_for(key, scope))


@first_run_only
def test_twenty_code_requests_at_once_send_one_sms(stack) -> None:
    nir, mobile = person(3)
    browsers = [Browser(stack.base) for _ in range(20)]
    tokens = [b.csrf(START_URL) for b in browsers]
    statuses = at_once(20, lambda i: browsers[i].go(
        "POST", START_URL, data={"csrf_token": tokens[i], "nir": nir}).status_code)
    assert sorted(statuses) == [303] + [429] * 19
    time.sleep(1.5)  # anything the worker still had to send
    assert len(stack.gateway.to(mobile)) == 1
    assert _window(stack, "1 per 30 seconds", f"reset:{nir[:13]}", "code-sending") == 1
    assert _window(stack, "5 per hour", f"reset:{nir[:13]}", "code-sending") == 1
    [(count,)] = stack.sql("SELECT count(*) FROM verification_code c JOIN account a ON a.id = c.account_id"
                           " WHERE a.nir = :nir", nir=nir[:13])
    assert count == 1


@first_run_only
def test_twenty_new_codes_at_once_on_the_code_page_send_one_and_the_wait_stays(stack) -> None:
    """The one code step (blueprints/code_step.py), pressed 20 times at once in one browser
    once the first code's 30 seconds are over: one new code leaves, 19 answers are the code
    page with the wait (429); then Enter in the address bar on the form's address leads
    back to the code page, which still says the wait (issue 16)."""
    nir, mobile = person(90)
    browser, token, _ = start_reset(stack, 90)
    with stack.redis() as client:  # 30 seconds later: the interval's slot is free again
        from limits import parse

        client.delete("LIMITS:" + parse("1 per 30 seconds").key_for(f"reset:{nir[:13]}",
                                                                     "code-sending"))
    answers = at_once(20, lambda i: browser.go("POST", CODE_URL + "/nouveau",
                                               data={"csrf_token": token}))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [303] + [429] * 19, statuses
    refused = [html.unescape(a.text) for a in answers if a.status_code == 429]
    assert all('name="code"' in text and "Attendez" in text for text in refused)
    time.sleep(1.5)  # anything the worker still had to send
    assert len(stack.gateway.to(mobile)) == 2  # the first code, and one new code
    # One more press (the session's last word is this refusal, whatever order the 20 were
    # saved in), then Enter in the address bar.
    assert browser.go("POST", CODE_URL + "/nouveau", data={"csrf_token": token}).status_code == 429
    entered = browser.go("GET", CODE_URL + "/nouveau")
    assert (entered.status_code, entered.headers["Location"]) == (303, CODE_URL)
    back = html.unescape(browser.go("GET", CODE_URL).text)
    assert 'name="code"' in back and "Demande impossible" not in back
    assert re.search(r"Attendez \d+ secondes? avant d'en demander un autre", back), back
    print(f"20 new codes at once: {statuses.count(303)} × 303, {statuses.count(429)} × 429, "
          f"{len(stack.gateway.to(mobile))} messages")


@first_run_only
def test_a_hundred_wrong_passwords_at_once_from_one_address_check_fifty(stack) -> None:
    browser = Browser(stack.base)
    token = browser.csrf("/connexion")
    before = (stack.tmp / "app.log").read_text().count('"event":"sign_in_failed"')
    statuses = at_once(100, lambda i: browser.go("POST", "/connexion", data={
        "csrf_token": token, "nir": nir_for(500_000 + i), "password": "PasLeBon123"}).status_code)
    assert sorted(statuses) == [401] * 50 + [429] * 50
    assert _window(stack, "50 per 10 minutes", "127.0.0.1", "sign-in-address") == 50
    time.sleep(0.5)
    checked = (stack.tmp / "app.log").read_text().count('"event":"sign_in_failed"') - before
    assert checked == 50
    with stack.redis() as client:  # then nobody from here can try for a while
        client.delete("LIMITS:" + __import__("limits").parse("50 per 10 minutes").key_for(
            "127.0.0.1", "sign-in-address"))


# --- the worker ----------------------------------------------------------------------------

@first_run_only
def test_a_worker_that_is_down_keeps_the_codes_and_sends_them_when_it_is_back(stack) -> None:
    stack.stop("worker")
    try:
        browser = Browser(stack.base)
        token = browser.csrf(START_URL)
        nir, mobile = person(4)
        answer = browser.go("POST", START_URL, data={"csrf_token": token, "nir": nir})
        assert (answer.status_code, answer.headers["Location"]) == (303, CODE_URL)
        page = browser.go("GET", CODE_URL)
        assert page.status_code == 200 and "•• •• •• •• 04" in page.text
        assert "pas parti" not in page.text
        time.sleep(1)
        assert stack.gateway.to(mobile) == []
    finally:
        stack.start_worker()
    assert len(stack.gateway.wait_for(mobile, timeout=20)) == 1


@first_run_only
def test_a_slow_or_failing_gateway_changes_nothing_a_stranger_can_see(stack) -> None:
    """Reset answers for 30 real accounts and 30 unknown numbers, interleaved, with a
    gateway that takes 0.9 s, then one that fails: same status, page, cookies, and
    median time within 0.1 s."""
    report = {}
    for phase, (delay, fail) in enumerate([(0.9, False), (0.0, True)]):
        stack.gateway.delay, stack.gateway.fail = delay, fail
        numbers = []
        for i in range(30):
            numbers += [("real", person(10 + phase * 30 + i)[0]), ("unknown", nir_for(700_000 + phase * 30 + i))]

        def one(i: int):
            kind, nir = numbers[i]
            browser = Browser(stack.base)
            token = browser.csrf(START_URL)
            started = time.perf_counter()
            answer = browser.go("POST", START_URL, data={"csrf_token": token, "nir": nir})
            took = time.perf_counter() - started
            cookies = sorted(re.sub(r"=[^;]*", "=…", c, count=1).lower()
                             for c in answer.raw.headers.getlist("Set-Cookie"))
            return kind, took, (answer.status_code, answer.headers.get("Location"), answer.text, cookies)

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(one, range(len(numbers))))
        seen = {kind: {r[2][:2] + (r[2][2], tuple(r[2][3])) for r in results if r[0] == kind}
                for kind in ("real", "unknown")}
        assert len(seen["real"]) == 1 and seen["real"] == seen["unknown"], seen
        medians = {kind: statistics.median(r[1] for r in results if r[0] == kind) for kind in ("real", "unknown")}
        report[phase] = medians
        assert abs(medians["real"] - medians["unknown"]) < 0.1, medians
        assert medians["real"] < 0.85, medians  # the answer never waited for the gateway
    stack.gateway.delay, stack.gateway.fail = 0.0, False
    print("reset medians (s):", json.dumps(report))
