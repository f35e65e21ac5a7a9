"""The fault phases of `make load`, each bounded in time, each with its figures:

- attacker: 100 wrong passwords for one account, 20 at a time, each on a new connection
  (so gunicorn hands them to every worker) from a new address (X-Forwarded-For);
- Redis stopped (`redis-cli shutdown nosave`) while people are in the middle of their
  first login, then started again;
- PostgreSQL restarted (`pg_ctl restart -m fast`) twice: with nobody around (does any
  worker keep a dead connection in its pool?), then under traffic.

The people here are plain HTTP clients in threads (requests), walking the same journey
as the locust virtual people (load/journey.py).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import requests

from load.journey import (CODE, Answer, Cookies, Expect, Journey, Outbox, StepFailed, WRONG,
                          browser_headers, csrf_of, path_of, title_of, verdict)
from load.people import Person
from load.report import Report, page_table
from load.stack import Stack

# What Flask-Limiter writes when the limits leave Redis for memory («Rate limit storage
# unreachable - falling back to in-memory storage»), or an app event saying the same
# («rate_limit_fallback», «limits_storage_fallback»…).
FALLBACK_LINE = re.compile(r"rate limit storage unreachable|limit\w*[ _-]*fall(?:ing)?[ _-]?back", re.I)
# The session store's own (services/sessions.py, when it falls back to the database).
SESSION_FALLBACK_LINE = re.compile(r"session\w*[ _-]*fall(?:ing)?[ _-]?back", re.I)


class Browser:
    """A requests session with a browser's cookies (load/journey.py, Cookies)."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.cookies = Cookies()

    def request(self, method: str, url: str, headers: dict | None = None, **kwargs) -> requests.Response:
        answer = self.http.request(method, url, headers={**(headers or {}), **self.cookies.header()},
                                   **kwargs)
        self.cookies.keep(answer.raw.headers.getlist("Set-Cookie"))
        self.http.cookies.clear()
        return answer

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self.http.close()


def new_session() -> Browser:
    return Browser()


@dataclass
class Recorder:
    """Every request of a phase: [name, method, ms, status, right, t (monotonic), reason]."""

    samples: list[list] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, method: str, ms: float, status: int, reason: str | None) -> None:
        with self.lock:
            self.samples.append([name, method, round(ms, 2), status, reason is None,
                                 time.monotonic(), reason])

    def between(self, start: float, end: float) -> list[list]:
        with self.lock:
            return [s for s in self.samples if start <= s[5] < end]


class HttpTransport:
    """One person's browser: its own cookies, its own address. `retry_for` seconds: on a
    5xx or no answer, the person presses the button again (every try is recorded)."""

    def __init__(self, base_url: str, client_ip: str, recorder: Recorder, retry_for: float = 0.0,
                 timeout: float = 10.0) -> None:
        self.base = base_url
        self.host = urllib.parse.urlsplit(base_url).netloc
        self.client_ip = client_ip
        self.recorder = recorder
        self.retry_for = retry_for
        self.timeout = timeout
        self.http = new_session()

    def send(self, method: str, path: str, name: str, expect: Expect, data: dict | None = None,
             htmx: bool = False, referer: str | None = None) -> Answer:
        headers = browser_headers(self.host, self.client_ip, referer, htmx)
        deadline = time.monotonic() + self.retry_for
        while True:
            started = time.perf_counter()
            try:
                r = self.http.request(method, self.base + path, data=data, headers=headers,
                                      allow_redirects=False, timeout=self.timeout)
                answer = Answer(r.status_code, path_of(r.headers.get("Location", "")), r.text,
                                r.headers.get("HX-Redirect", ""))
            except requests.Timeout:
                answer = Answer(0, error=f"timeout: no answer within {self.timeout:.0f} s")
            except requests.RequestException as error:
                answer = Answer(0, error=type(error).__name__)
            answer.ms = (time.perf_counter() - started) * 1000
            reason = verdict(answer, expect)
            self.recorder.add(name, method, answer.ms, answer.status, reason)
            if reason is None:
                return answer
            if (answer.status >= 500 or answer.error) and time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            raise StepFailed(name, reason, answer)


def _journey(stack: Stack, person: Person, provisional: str, outbox: Outbox, recorder: Recorder,
             retry_for: float = 0.0) -> Journey:
    transport = HttpTransport(stack.base_url, person.client_ip, recorder, retry_for)
    return Journey(transport, person, provisional, outbox,
                   pause=lambda: time.sleep(random.uniform(0.1, 0.4)))


def _walk(journey: Journey, steps: tuple[str, ...] | None = None) -> dict:
    """Run steps; what happened, for the report."""
    try:
        journey.run(steps)
        return {"person": journey.person.index, "ok": True, "done": list(journey.done)}
    except StepFailed as failed:
        return {"person": journey.person.index, "ok": False, "page": failed.name,
                "reason": failed.reason, "done": list(journey.done)}
    except (TimeoutError, ValueError, OSError) as error:
        return {"person": journey.person.index, "ok": False, "page": "outbox or page",
                "reason": f"{type(error).__name__}: {error}", "done": list(journey.done)}


def _counted(samples: list[list]) -> dict:
    statuses = Counter(str(s[3] or "no answer") for s in samples)
    return {"requests": len(samples), "right": sum(1 for s in samples if s[4]),
            "5xx": sum(1 for s in samples if s[3] >= 500),
            "no_answer": sum(1 for s in samples if s[3] == 0), "statuses": dict(statuses)}


def _who(secret: str, nir: str) -> str:
    """The `who` pseudonym the app's log gives this NIR (services/audit_log.py)."""
    from services.audit_log import _key

    return hmac.new(_key(secret, b"who"), f"nir:{nir}".encode(), hashlib.sha256).hexdigest()[:16]


def _events(log: str) -> list[dict]:
    found = []
    for line in log.splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                pass
    return found


# --- a. the attacker ---------------------------------------------------------------------------

def attacker(stack: Stack, report: Report, target: Person, provisional: str, tries: int = 100,
             concurrency: int = 20, limit: int = 5) -> dict:
    print(f"\nAttacker: {tries} wrong passwords for one account, {concurrency} at a time, "
          "each on a new connection from a new address…", flush=True)
    offset = stack.log_offset()
    host = urllib.parse.urlsplit(stack.base_url).netloc
    marker = "172.16."

    def one(i: int) -> dict:
        ip = f"{marker}{i // 250}.{i % 250 + 1}"
        wrong = f"{(int(provisional) + 1 + i) % 10**8:08d}"
        session = new_session()
        headers = {**browser_headers(host, ip, "/connexion", False), "Connection": "close"}
        started = time.perf_counter()
        try:
            page = session.get(stack.base_url + "/connexion", headers=headers, timeout=20)
            if page.status_code != 200:
                return {"status": page.status_code, "step": "GET", "title": title_of(page.text)}
            answer = session.post(stack.base_url + "/connexion", headers=headers, timeout=20,
                                  allow_redirects=False,
                                  data={"nir": target.typed_nir, "password": wrong,
                                        "csrf_token": csrf_of(page.text)})
        except (requests.RequestException, ValueError) as error:
            return {"status": 0, "step": "POST", "title": f"{type(error).__name__}"}
        finally:
            session.close()
        return {"status": answer.status_code, "step": "POST", "title": title_of(answer.text),
                "wrong_password_page": WRONG in answer.text,
                "ms": round((time.perf_counter() - started) * 1000, 1), "t": time.monotonic()}

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(tries)))
    seconds = time.monotonic() - started
    statuses = Counter(r["status"] for r in results)
    counted = sum(1 for r in results if r["status"] == 401 and r.get("wrong_password_page"))
    refused = statuses.get(429, 0)
    by_time = sorted((r for r in results if r.get("t")), key=lambda r: r["t"])
    first_429 = next((i for i, r in enumerate(by_time) if r["status"] == 429), None)
    after_first_429 = sum(1 for r in by_time[first_429:] if r["status"] == 401) if first_429 is not None else 0

    # Which worker answered each of the attacker's sign-in POSTs (load/gunicorn_conf.py).
    per_worker: dict[str, Counter] = {}
    if stack.worker_log.exists():
        for line in stack.worker_log.read_text().splitlines():
            pid, status, forwarded = (line.split(" ", 2) + ["", ""])[:3]
            if forwarded.startswith(marker):
                per_worker.setdefault(pid, Counter())[status] += 1
    # What the app recorded: its log, and the per-NIR window in Redis.
    who = _who(stack.secret_key, target.nir)
    events = [e for e in _events(stack.log_since(offset)) if e.get("who") == who]
    logged_failed = sum(1 for e in events if e.get("event") == "sign_in_failed")
    logged_locked = sum(1 for e in events if e.get("event") == "sign_in_locked")
    in_redis = {}
    for key in stack.redis.command("--scan", "--pattern", f"*{target.nir}*").split():
        kind = stack.redis.command("TYPE", key).strip()
        size = stack.redis.command("LLEN" if kind == "list" else "ZCARD" if kind == "zset" else "EXISTS", key)
        in_redis[key] = {"type": kind, "entries": int(size.strip() or 0)}

    data = {"tries": tries, "concurrency": concurrency, "seconds": round(seconds, 1),
            "limit_per_nir": f"{limit} per 15 minutes", "statuses": dict(statuses),
            "counted_wrong_password": counted, "answered_429": refused,
            "first_429_at_try": None if first_429 is None else first_429 + 1,
            "wrong_password_after_first_429": after_first_429,
            "per_worker": {pid: dict(c) for pid, c in per_worker.items()},
            "log_sign_in_failed": logged_failed, "log_sign_in_locked": logged_locked,
            "redis_window": in_redis,
            "other_answers": [r for r in results if r["status"] not in (401, 429)][:10]}
    print(f"  {seconds:.1f} s: {counted} answered «wrong password» (401), {refused} answered 429, "
          f"statuses {dict(statuses)}; workers {data['per_worker']}", flush=True)
    report.check("attacker", f"no more than {limit} wrong passwords counted before the 429s",
                 0 < counted <= limit,
                 f"{counted} of {tries} answered «wrong password» (401); log: {logged_failed} "
                 f"sign_in_failed; Redis window: {sum(v['entries'] for v in in_redis.values())} entries")
    report.check("attacker", "every other try refused with 429",
                 refused == tries - counted, f"{refused} × 429, others {dict(statuses)}")
    report.check("attacker", "the tries were spread over every worker",
                 len(per_worker) >= len(stack.worker_pids()) > 0,
                 f"{len(per_worker)} workers answered them: "
                 + ", ".join(f"pid {pid}: {dict(c)}" for pid, c in sorted(per_worker.items())))
    report.check("attacker", "no 5xx", not any(s >= 500 for s in statuses),
                 f"{sum(n for s, n in statuses.items() if s >= 500)} × 5xx")
    return data


# --- b. Redis stopped mid-run ---------------------------------------------------------------------

def redis_outage(stack: Stack, report: Report, mid: list[Person], fresh: list[Person],
                 after: list[Person], bystander: Person, provisional: str, outbox: Outbox) -> dict:
    print(f"\nRedis stopped mid-run: {len(mid)} people signed in and at the password step, "
          f"then `redis-cli shutdown nosave`…", flush=True)
    recorder = Recorder()
    offset = stack.log_offset()
    journeys = {p.index: _journey(stack, p, provisional, outbox, recorder) for p in mid}
    with ThreadPoolExecutor(len(mid)) as pool:
        before = list(pool.map(lambda j: _walk(j, ("sign_in", "cgu")), journeys.values()))
    ready = [r["person"] for r in before if r["ok"]]
    t_stop = time.monotonic()
    stack.redis.shutdown()
    stopped_s = time.monotonic() - t_stop
    print(f"  Redis stopped ({stopped_s:.1f} s); {len(ready)} of {len(mid)} people carry on, "
          f"{len(fresh)} new people start, and a stranger tries wrong passwords…", flush=True)

    def stranger() -> dict:
        # 12 wrong passwords for one account from one address while the limits are in memory.
        transport = HttpTransport(stack.base_url, "192.168.77.7", recorder)
        statuses = Counter()
        for i in range(12):
            try:
                page = transport.http.get(stack.base_url + "/connexion", timeout=10,
                                          headers=browser_headers(transport.host, "192.168.77.7", "/connexion", False))
                token = csrf_of(page.text) if page.status_code == 200 else ""
                answer = transport.http.post(
                    stack.base_url + "/connexion", timeout=10, allow_redirects=False,
                    headers=browser_headers(transport.host, "192.168.77.7", "/connexion", False),
                    data={"nir": bystander.typed_nir, "password": f"{(int(provisional) + 7 + i) % 10**8:08d}",
                          "csrf_token": token})
                statuses[answer.status_code] += 1
                recorder.add("connexion POST (mauvais mot de passe)", "POST", 0, answer.status_code,
                             None if answer.status_code in (401, 429) else f"{answer.status_code}")
            except (requests.RequestException, ValueError) as error:
                statuses[type(error).__name__] += 1
                recorder.add("connexion POST (mauvais mot de passe)", "POST", 0, 0, type(error).__name__)
        return dict(statuses)

    continued: list[dict] = []
    new_ones: list[dict] = []
    with ThreadPoolExecutor(len(ready) + len(fresh) + 1) as pool:
        futures = [pool.submit(_walk, journeys[i], ("password", "contact", "code", "finish")) for i in ready]
        fresh_futures = [pool.submit(_walk, _journey(stack, p, provisional, outbox, recorder)) for p in fresh]
        stranger_future = pool.submit(stranger)
        wait([*futures, *fresh_futures, stranger_future], timeout=60)
        continued = [f.result() if f.done() else {"ok": False, "reason": "still running after 60 s"}
                     for f in futures]
        new_ones = [f.result() if f.done() else {"ok": False, "reason": "still running after 60 s"}
                    for f in fresh_futures]
        stranger_statuses = stranger_future.result() if stranger_future.done() else {}
    t_down_end = time.monotonic()
    during = recorder.between(t_stop, t_down_end)
    log = stack.log_since(offset)
    fallback = [line[:300] for line in log.splitlines() if FALLBACK_LINE.search(line)]
    session_fallback = [line[:300] for line in log.splitlines() if SESSION_FALLBACK_LINE.search(line)]
    tracebacks = _last_exception_lines(log)

    # Redis back: the app goes on (new sessions, limits back in Redis).
    print("  Redis started again…", flush=True)
    stack.redis.start()
    t_back = time.monotonic()
    health = _wait_health(stack, 20)
    with ThreadPoolExecutor(max(1, len(after))) as pool:
        afterwards = list(pool.map(lambda p: _walk(_journey(stack, p, provisional, outbox, recorder)), after))
    after_samples = recorder.between(t_back, time.monotonic())

    lost = [r for r in continued if not r["ok"]]
    sent_back = [r for r in lost if "sent back to sign-in" in r.get("reason", "")]
    data = {"people_mid_journey": len(mid), "signed_in_before_stop": len(ready),
            "before_stop": [r for r in before if not r["ok"]],
            "redis_stop_seconds": round(stopped_s, 2),
            "while_down": _counted(during), "while_down_pages": page_table(during),
            "mid_journey_finished": sum(1 for r in continued if r["ok"]),
            "mid_journey_failures": lost[:20],
            "fresh_journeys_finished": sum(1 for r in new_ones if r["ok"]),
            "fresh_journey_failures": [r for r in new_ones if not r["ok"]][:10],
            "stranger_wrong_passwords_statuses": stranger_statuses,
            "fallback_log_lines": fallback[:5],
            "session_store_fallback_log_lines": session_fallback[:5],
            "exceptions_in_log": tracebacks,
            "first_traceback": _first_traceback(log),
            "after_restart": {"health": health, "journeys_finished": sum(1 for r in afterwards if r["ok"]),
                              "journeys": len(after), "failures": [r for r in afterwards if not r["ok"]],
                              **_counted(after_samples)}}
    c = data["while_down"]
    print(f"  while Redis was down: {c['requests']} requests, {c['5xx']} × 5xx, statuses {c['statuses']}; "
          f"mid-journey finished {data['mid_journey_finished']}/{len(ready)}, "
          f"new journeys finished {data['fresh_journeys_finished']}/{len(fresh)}", flush=True)
    report.check("redis", "the app keeps serving while Redis is down (no 5xx, no request unanswered)",
                 c["5xx"] == 0 and c["no_answer"] == 0 and c["requests"] > 0,
                 f"{c['requests']} requests: {c['5xx']} × 5xx, {c['no_answer']} unanswered, statuses {c['statuses']}"
                 + (f"; exception in the log: {tracebacks[0]}" if tracebacks else ""))
    report.check("redis", "the limiter falls back to memory and says so in the log", bool(fallback),
                 f"{len(fallback)} line(s)" + (f": {fallback[0][:160]}" if fallback else
                                               f" matching /{FALLBACK_LINE.pattern}/ in gunicorn.log"))
    report.check("redis", "no journey state lost: the people mid-journey finish without signing in again",
                 ready and not lost,
                 f"{data['mid_journey_finished']} of {len(ready)} reached Mon Compte; "
                 f"{len(sent_back)} sent back to sign-in"
                 + (f"; first failure: {lost[0].get('page')}: {lost[0].get('reason')}" if lost else ""))
    report.check("redis", "new people can do their whole first login while Redis is down",
                 data["fresh_journeys_finished"] == len(fresh),
                 f"{data['fresh_journeys_finished']} of {len(fresh)}")
    a = data["after_restart"]
    report.check("redis", "after Redis is back, the app works (health 200, whole journeys, no 5xx)",
                 health.get("status") == 200 and a["journeys_finished"] == len(after) and a["5xx"] == 0,
                 f"/sante {health.get('status')} after {health.get('seconds')} s; journeys "
                 f"{a['journeys_finished']}/{len(after)}; {a['5xx']} × 5xx")
    return data


def _wait_health(stack: Stack, seconds: float) -> dict:
    started = time.monotonic()
    last: dict = {}
    while time.monotonic() - started < seconds:
        try:
            answer = requests.get(stack.base_url + "/sante", timeout=5)
            last = {"status": answer.status_code, "body": answer.text.strip()[:200]}
            if answer.status_code == 200:
                break
        except requests.RequestException as error:
            last = {"status": 0, "body": type(error).__name__}
        time.sleep(0.2)
    return {**last, "seconds": round(time.monotonic() - started, 1)}


_EXC_LINE = re.compile(r"^([a-zA-Z_][\w.]*(?:Error|Exception|Exit|Refused|Timeout)[\w]*)(?::\s?(.*))?$")


def _last_exception_lines(log: str, limit: int = 5) -> list[str]:
    """The distinct exception lines of the tracebacks in a piece of gunicorn's log."""
    found: list[str] = []
    for line in log.splitlines():
        match = _EXC_LINE.match(line.strip())
        if match and "Traceback" not in line:
            text = line.strip()[:240]
            if text not in found:
                found.append(text)
    return found[:limit]


def _first_traceback(log: str) -> str:
    """The first traceback of a piece of gunicorn's log, cut to the app's own frames (not
    the libraries') and the exception lines."""
    rows = log.splitlines()
    for i, row in enumerate(rows):
        if not row.startswith("Traceback"):
            continue
        kept = [row]
        for j in range(i + 1, min(len(rows), i + 400)):
            line = rows[j]
            if line.startswith(("{", "[")):
                break
            if line.lstrip().startswith('File "') and "site-packages" not in line:
                kept.append(line)
                if j + 1 < len(rows):
                    kept.append(rows[j + 1])
            elif _EXC_LINE.match(line.strip()) or line.startswith(("During handling", "The above")):
                kept.append(line)
        return "\n".join(kept)
    return ""


# --- c. PostgreSQL restarted -----------------------------------------------------------------------

def postgres_restart(stack: Stack, report: Report, people: list[Person], provisional: str,
                     outbox: Outbox, down_s: float = 0.0, recover_s: float = 10.0,
                     walkers: int = 6, probes: int = 40) -> dict:
    how = ("pg_ctl restart -m fast" if down_s <= 0 else
           f"pg_ctl stop -m fast, {down_s:g} s down, pg_ctl start")
    print(f"\nPostgreSQL restarted twice ({how}): first with nobody around, {probes} health checks "
          f"before and after; then under traffic: {walkers} people walking their first login, "
          f"2 health polls, {probes} health checks on new connections…", flush=True)
    recorder = Recorder()
    offset = stack.log_offset()
    master, workers_before = stack.gunicorn.pid, sorted(stack.worker_pids())
    queue = list(people)
    queue_lock = threading.Lock()
    stop = threading.Event()
    outcomes: list[dict] = []

    def walker() -> None:
        while not stop.is_set():
            with queue_lock:
                if not queue:
                    return
                person = queue.pop(0)
            # A person whose page fails presses again, for 30 s at most.
            outcomes.append(_walk(_journey(stack, person, provisional, outbox, recorder, retry_for=30)))

    def health(transport: HttpTransport, name: str, close: bool = False) -> None:
        started = time.perf_counter()
        try:
            answer = transport.http.get(stack.base_url + "/sante", timeout=10,
                                        headers={"Connection": "close"} if close else {})
            status, reason = answer.status_code, None if answer.status_code == 200 else \
                f"{answer.status_code} {answer.text.strip()[:80]}"
        except requests.Timeout:
            status, reason = 0, "timeout: no answer within 10 s"
        except requests.RequestException as error:
            status, reason = 0, type(error).__name__
        transport.recorder.add(name, "GET", (time.perf_counter() - started) * 1000, status, reason)

    def poll() -> None:
        transport = HttpTransport(stack.base_url, "10.250.0.1", recorder, timeout=10)
        while not stop.is_set():
            health(transport, "sante GET")
            time.sleep(0.2)

    # A. A restart with nobody around (a night's maintenance): every worker first has
    # connections in its pool, then PostgreSQL restarts, then health checks on new
    # connections reach every worker. A connection from before the restart still in a
    # pool fails its first query (unless the pool checks it first: pool_pre_ping).
    quiet = Recorder()

    def probe_all(name: str) -> None:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: health(HttpTransport(stack.base_url, "10.250.0.3", quiet),
                                           name, close=True), range(probes)))

    probe_all("sante GET (before)")
    t_quiet = time.monotonic()
    stack.pg.restart()
    quiet_down = time.monotonic() - t_quiet
    quiet_offset = stack.log_offset()
    time.sleep(0.5)
    probe_all("sante GET (after a quiet restart)")
    after_quiet = [s for s in quiet.samples if s[0] == "sante GET (after a quiet restart)"]
    quiet_bad = [s for s in after_quiet if not s[4]]
    quiet_data = {"down_seconds": round(quiet_down, 2), "probes": len(after_quiet),
                  "before": _counted([s for s in quiet.samples if s[0] == "sante GET (before)"]),
                  "after": _counted(after_quiet),
                  "failures": [s[6] for s in quiet_bad][:5],
                  "exceptions_in_log": _last_exception_lines(stack.log_since(quiet_offset))}
    print(f"  quiet restart (down {quiet_down:.1f} s): {len(quiet_bad)} of {len(after_quiet)} health checks "
          f"failed afterwards" + (f" ({quiet_bad[0][6]})" if quiet_bad else ""), flush=True)

    # B. A restart under traffic.
    threads = [threading.Thread(target=walker, daemon=True) for _ in range(walkers)]
    threads += [threading.Thread(target=poll, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    t_down = time.monotonic()
    if down_s <= 0:
        stack.pg.restart()
    else:
        stack.pg.stop("fast")
        time.sleep(down_s)
        stack.pg.up()
    t_up = time.monotonic()
    offset_up = stack.log_offset()
    print(f"  down {t_up - t_down:.1f} s, accepting connections again; traffic goes on "
          f"{recover_s:g} s…", flush=True)
    time.sleep(1)
    # A health check (one SELECT) on a new connection each, so that every worker answers
    # some: a worker with no traffic while the database was down still holds connections
    # from before the restart in its pool.
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: health(HttpTransport(stack.base_url, "10.250.0.2", recorder),
                                       "sante GET (new connection)", close=True), range(probes)))
    time.sleep(max(0.0, recover_s - (time.monotonic() - t_up)))
    stop.set()
    deadline = time.monotonic() + 45
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    still = sum(1 for t in threads if t.is_alive())

    samples = recorder.samples
    down = [s for s in samples if t_down <= s[5] < t_up]
    after_up = [s for s in samples if s[5] >= t_up]
    bad_after = [s for s in after_up if not s[4]]
    first_ok = next((s[5] - t_up for s in sorted(after_up, key=lambda s: s[5]) if s[4]), None)
    last_bad = max((s[5] - t_up for s in bad_after), default=None)
    hangs = [s for s in samples if s[6] and "timeout" in s[6]]
    unclean = [s for s in samples if not s[4] and s[3] == 0 and not (s[6] or "").startswith("timeout")]
    error_titles = Counter(s[6] for s in samples if not s[4])
    log = stack.log_since(offset)
    workers_after = sorted(stack.worker_pids())
    data = {"quiet_restart": quiet_data,
            "how": how, "down_seconds": round(t_up - t_down, 2), "walkers": walkers,
            "probes_on_new_connections": probes,
            "requests": len(samples), "while_down": _counted(down),
            "after_up": _counted(after_up),
            "first_success_after_up_s": None if first_ok is None else round(first_ok, 2),
            "last_failure_after_up_s": None if last_bad is None else round(last_bad, 2),
            "failures_after_up": len(bad_after),
            "failure_answers": dict(error_titles.most_common(10)),
            "hangs": len(hangs), "connection_errors": len(unclean),
            "journeys": {"completed": sum(1 for o in outcomes if o["ok"]),
                         "failed": [o for o in outcomes if not o["ok"]][:10],
                         "threads_still_running": still},
            "gunicorn": {"master_alive": stack.gunicorn.poll() is None, "master_pid": master,
                         "workers_before": workers_before, "workers_after": workers_after},
            "failures_after_up_detail": [{"page": s[0], "after_s": round(s[5] - t_up, 2), "answer": s[6]}
                                         for s in bad_after[:10]],
            "exceptions_in_log": _last_exception_lines(log),
            "first_traceback": _first_traceback(log),
            "exceptions_after_up": _last_exception_lines(stack.log_since(offset_up)),
            "first_traceback_after_up": _first_traceback(stack.log_since(offset_up))}
    print(f"  {len(samples)} requests; while down: {data['while_down']['statuses']}; after restart: "
          f"first success {data['first_success_after_up_s']} s, {len(bad_after)} failures "
          f"(last at {data['last_failure_after_up_s']} s); hangs {len(hangs)}", flush=True)
    report.check("postgresql", "after a restart with no traffic, no request fails on a connection "
                               "left in a worker's pool from before the restart",
                 after_quiet and not quiet_bad,
                 f"{len(quiet_bad)} of {len(after_quiet)} health checks on new connections failed"
                 + (f": {quiet_bad[0][6]}" if quiet_bad else "")
                 + ("; /sante said the database was down while it was up" if any(s[3] == 503 for s in quiet_bad) else ""))
    report.check("postgresql", "no request hangs while PostgreSQL is down (answers within 10 s)",
                 not hangs and not unclean,
                 f"{len(hangs)} timeouts, {len(unclean)} connections dropped without an answer")
    # The error answers (5xx): the app's error page, or the health check's 503.
    clean = all(s[3] == 503 or "Erreur du site" in (s[6] or "") for s in samples if s[3] >= 500)
    report.check("postgresql", "requests that fail while it is down get a clean error page (no hang, "
                               "no broken answer)",
                 clean, f"while down: {data['while_down']['statuses']}; failed answers: "
                 + "; ".join(f"{n} × {t}" for t, n in error_titles.most_common(4)))
    report.check("postgresql", f"requests succeed again within {recover_s:g} s of the restart, "
                               "without restarting gunicorn",
                 first_ok is not None and first_ok <= recover_s
                 and (last_bad is None or last_bad <= recover_s)
                 and data["gunicorn"]["master_alive"] and workers_after == workers_before,
                 f"first success {data['first_success_after_up_s']} s after, last failure "
                 f"{data['last_failure_after_up_s']} s after ({len(bad_after)} failures after the restart); "
                 f"workers {'unchanged' if workers_after == workers_before else f'{workers_before} → {workers_after}'}")
    report.check("postgresql", "every journey under way finishes (a person presses again on an error page)",
                 outcomes and all(o["ok"] for o in outcomes) and not still,
                 f"{data['journeys']['completed']} of {len(outcomes)} finished"
                 + (f"; {data['journeys']['failed'][0]}" if data["journeys"]["failed"] else ""))
    return data


# --- e. the attacker on codes, while the crowd walks (issue 14) -------------------------------

def _copy_of(journey: Journey) -> Browser:
    """Another browser with the same cookies: the attacker's copy of one person's session."""
    copy = Browser()
    copy.cookies.values = dict(journey.transport.http.cookies.values)
    return copy


def _all_at_once(stack: Stack, journey: Journey, path: str, forms: list[dict]) -> list:
    """Each form posted at the same moment, from copies of the person's browser: the
    answers (a requests.Response, or None when none came), in the order of `forms`."""
    host = urllib.parse.urlsplit(stack.base_url).netloc
    start = threading.Barrier(len(forms))

    def one(i: int):
        browser = _copy_of(journey)
        headers = browser_headers(host, journey.person.client_ip, CODE, False)
        start.wait()
        try:
            return browser.post(stack.base_url + path, headers=headers, allow_redirects=False,
                                timeout=60, data=forms[i])
        except requests.RequestException:
            return None
        finally:
            browser.close()

    with ThreadPoolExecutor(len(forms)) as pool:
        return list(pool.map(one, range(len(forms))))


def _code_row(stack: Stack, person: Person) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(stack.pg.url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT c.wrong_tries, c.used_at IS NOT NULL AS used, c.dead FROM verification_code c"
                " JOIN account a ON a.id = c.account_id WHERE a.nir = :nir ORDER BY c.id"),
                {"nir": person.nir}).mappings().all()
    finally:
        engine.dispose()
    return {"codes": len(rows), **(dict(rows[-1]) if rows else {})}


def code_attack(stack: Stack, report: Report, guessed: Person, asker: Person, provisional: str,
                outbox: Outbox, guesses: int = 40, requests_at_once: int = 20) -> dict:
    """While the crowd walks: `guesses` guesses at once on one live code (the right one among
    them), and `requests_at_once` «new code» requests at once 30 s after the last code."""
    import html as _html

    say = lambda text: print(text, flush=True)  # noqa: E731
    say(f"\nCode attacker (during the load): {guesses} guesses at once on one live code, "
        f"{requests_at_once} new-code requests at once…")
    recorder = Recorder()
    walked = {}
    for who, person in (("guessed", guessed), ("asker", asker)):
        # Walked while the crowd walks: a page may take more than the crowd's 10 s.
        transport = HttpTransport(stack.base_url, person.client_ip, recorder, timeout=45)
        journey = Journey(transport, person, provisional, outbox,
                          pause=lambda: time.sleep(random.uniform(0.1, 0.4)))
        walked[who] = (journey, _walk(journey, ("sign_in", "cgu", "password", "contact")))
    data: dict = {"walks": {k: v[1] for k, v in walked.items()}}
    if not all(v[1]["ok"] for v in walked.values()):
        report.check("codes", "the two people reached their code", False, json.dumps(data["walks"]))
        return data

    journey, _ = walked["guessed"]
    code = outbox.wait_code(guessed.address, journey.before)
    page = journey.transport.send("GET", CODE, "code GET", Expect(200))
    token = csrf_of(page.text)
    typed = [f"{(int(code) + 1 + i) % 10**6:06d}" for i in range(guesses - 1)]
    typed.insert(guesses // 2, code)

    def verdict_of(answer) -> str:
        if answer is None:
            return "no answer"
        text = _html.unescape(answer.text)
        if answer.status_code == 303:  # the right code, or the journey has moved on since
            return "303"
        if answer.status_code >= 500:
            return f"{answer.status_code}"
        return ("wrong" if "pas le bon" in text else "dead" if "ne marche plus" in text
                else f"other {answer.status_code}")

    offset = stack.log_offset()
    verdicts = Counter(map(verdict_of, _all_at_once(
        stack, journey, CODE, [{"csrf_token": token, "code": one} for one in typed])))
    row = _code_row(stack, guessed)
    time.sleep(0.5)
    who = _who(stack.secret_key, guessed.nir)
    accepted = sum(1 for e in _events(stack.log_since(offset))
                   if e.get("who") == who and e.get("event") == "code_confirmed")
    data["guesses"] = {"verdicts": dict(verdicts), "database": row, "code_confirmed": accepted}
    say(f"  {guesses} guesses: {dict(verdicts)} (303: the code accepted, or the journey moved on); "
        f"code_confirmed {accepted}; database: {row}")
    report.check("codes", f"{guesses} guesses at once: at most 4 judged wrong, then dead",
                 verdicts.get("wrong", 0) <= 4 and row.get("wrong_tries", 99) <= 5,
                 f"{verdicts.get('wrong', 0)} «wrong», {verdicts.get('dead', 0)} «dead»; "
                 f"wrong_tries {row.get('wrong_tries')} in the database")
    report.check("codes", "the right code among them: accepted at most once, never after its death",
                 accepted <= 1 and (accepted == 0) == (not row.get("used"))
                 and (not row.get("used") or row.get("wrong_tries", 99) < 5),
                 f"{accepted} accepted (code_confirmed in the log); used {row.get('used')}, "
                 f"wrong_tries {row.get('wrong_tries')}")

    journey, _ = walked["asker"]
    before = outbox.count(asker.address)
    time.sleep(31)  # the 30 s between two codes have passed
    page = journey.transport.send("GET", CODE, "code GET", Expect(200))
    token = csrf_of(page.text)
    statuses = Counter(answer.status_code if answer is not None else 0 for answer in _all_at_once(
        stack, journey, CODE + "/nouveau", [{"csrf_token": token}] * requests_at_once))
    time.sleep(3)  # what the worker still had to send
    sent = outbox.count(asker.address) - before
    row = _code_row(stack, asker)
    data["requests"] = {"statuses": dict(statuses), "sms_sent": sent, "database": row}
    say(f"  {requests_at_once} new-code requests: {dict(statuses)}; messages sent {sent}; database {row}")
    report.check("codes", f"{requests_at_once} new-code requests at once: one code sent",
                 statuses.get(303, 0) == 1 and statuses.get(429, 0) == requests_at_once - 1
                 and sent == 1 and row.get("codes") == 2,
                 f"statuses {dict(statuses)}; {sent} message(s) received; {row.get('codes')} codes in all")
    report.check("codes", "no 5xx", not any(s >= 500 for s in statuses)
                 and not any(v[:1] == "5" for v in verdicts), f"{dict(statuses)}, {dict(verdicts)}")
    return data
