"""The virtual people of `make load`: each one takes an account never used before, walks
its whole first login (load/journey.py) with a short pause between pages, signs out, and
takes the next account.

Run by load/swarm.py (locust as a library, headless), which sets `FirstLogin.spec`.
Also usable with the locust CLI for exploring, given LOAD_SPEC=<spec.json>:

    LOAD_SPEC=spec.json locust -f load/locustfile.py --headless -u 200 -r 50 -t 60s

Requests go through locust's FastHttpUser (geventhttpclient). Cookies are kept by hand
(load/journey.py, Cookies): the Secure session cookie goes back over plain HTTP, as it
would through the trusted proxy in front of the app (X-Forwarded-Proto: https). Each
answer is checked (status AND page) and marked failed in locust's statistics otherwise.
"""
from __future__ import annotations

import json
import os
import random
import time
import urllib.parse
from collections import Counter

import gevent
from gevent.queue import Empty, Queue
from locust import FastHttpUser, constant, task
from locust.exception import StopUser

from load.journey import Answer, Cookies, Expect, Journey, Outbox, StepFailed, browser_headers, path_of, verdict
from load.people import Person


class LocustTransport:
    def __init__(self, client, host: str, client_ip: str) -> None:
        self.client, self.host, self.client_ip = client, host, client_ip
        self.cookies = Cookies()  # a new person: a new browser

    def send(self, method: str, path: str, name: str, expect: Expect, data: dict | None = None,
             htmx: bool = False, referer: str | None = None) -> Answer:
        headers = {**browser_headers(self.host, self.client_ip, referer, htmx), **self.cookies.header()}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(method, path, name=name, data=body, headers=headers,
                                 allow_redirects=False, catch_response=True) as response:
            status = response.status_code or 0
            error = getattr(response, "error", None) if not status else None  # no answer at all
            got = response.headers
            if got is not None:
                self.cookies.keep(got.getlist("Set-Cookie"))
            self.client.cookiejar.clear()  # ours are kept above
            got = got or {}
            answer = Answer(status=status, location=path_of(got.get("Location", "") or ""),
                            text=(response.text or "") if status else "",
                            hx_redirect=got.get("HX-Redirect", "") or "",
                            error=f"{type(error).__name__}: {error}" if error else "")
            reason = verdict(answer, expect)
            if reason:
                response.failure(reason)
            else:
                response.success()
        if reason:
            raise StepFailed(name, reason, answer)
        return answer


class FirstLogin(FastHttpUser):
    # The journey's pauses are inside the task: the user goes on to the next account at once.
    wait_time = constant(0)
    network_timeout = 30.0
    connection_timeout = 10.0
    max_retries = 0

    spec: dict = {}
    accounts: Queue | None = None
    outbox: Outbox | None = None
    counts: Counter = Counter()
    failures: list = []
    durations: list = []

    @classmethod
    def configure(cls, spec: dict) -> None:
        cls.spec = spec
        cls.host = spec["host"]
        cls.accounts = Queue()
        for item in spec["people"]:
            cls.accounts.put(Person(**item))
        cls.outbox = Outbox(spec["outbox"])
        cls.counts = Counter()
        cls.failures = []
        cls.durations = []

    def _pause(self) -> None:
        low, high = self.spec["think_s"]
        gevent.sleep(random.uniform(low, high))

    @task
    def journey(self) -> None:
        cls = type(self)
        try:
            person = cls.accounts.get_nowait()
        except Empty:
            cls.counts["no_account_left"] += 1
            raise StopUser()
        host = urllib.parse.urlsplit(self.host).netloc
        journey = Journey(LocustTransport(self.client, host, person.client_ip), person,
                          cls.spec["provisional_password"], cls.outbox, pause=self._pause,
                          sleep=gevent.sleep)
        cls.counts["started"] += 1
        started = time.monotonic()
        try:
            journey.run()
            cls.counts["completed"] += 1
            cls.durations.append(time.monotonic() - started)
        except StepFailed as failed:
            cls.counts["failed"] += 1
            cls.failures.append({"person": person.index, "page": failed.name, "reason": failed.reason,
                                 "steps_done": list(journey.done)})
        except (TimeoutError, ValueError, OSError) as error:  # the outbox, a page without token
            cls.counts["failed"] += 1
            cls.failures.append({"person": person.index, "page": "outbox or page",
                                 "reason": f"{type(error).__name__}: {error}",
                                 "steps_done": list(journey.done)})


if os.environ.get("LOAD_SPEC"):  # the locust CLI
    with open(os.environ["LOAD_SPEC"], encoding="utf-8") as _file:
        FirstLogin.configure(json.load(_file))
