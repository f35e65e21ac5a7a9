"""Locust as a library, headless, in a process of its own (gevent patches everything it
imports, so the orchestrator and its servers stay out of it):

    python -m load.swarm --spec spec.json --out swarm.json

The spec gives the host, the users, the spawn rate, the seconds, the pause between pages,
the accounts and the outbox. When the time is up, no new journey starts and the journeys
under way may finish for `stop_timeout` seconds; any still running then is stopped and
counted as interrupted (not failed). Writes every request (page name, time, status, right
or not) and the journeys' counts to --out.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time

from locust import events  # noqa: I001 - first: gevent's monkey-patching
from locust.env import Environment

import gevent

from load.locustfile import FirstLogin
from load.report import percentile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.swarm")
    parser.add_argument("--spec", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    with open(args.spec, encoding="utf-8") as file:
        spec = json.load(file)
    logging.basicConfig(level=logging.WARNING, format="locust: %(message)s")

    FirstLogin.configure(spec)
    env = Environment(user_classes=[FirstLogin], host=spec["host"], events=events,
                      stop_timeout=spec["stop_timeout"])
    samples: list[list] = []
    started = time.monotonic()
    cpu_warnings: list[float] = []

    def on_request(request_type, name, response_time, response_length, response=None,
                   exception=None, **_kw) -> None:
        status = getattr(response, "status_code", 0) or 0
        samples.append([name, request_type, round(response_time, 2), status, exception is None,
                        round(time.monotonic() - started, 3)])

    env.events.request.add_listener(on_request)
    env.events.cpu_warning.add_listener(lambda environment, cpu_usage, **_: cpu_warnings.append(cpu_usage))
    runner = env.create_local_runner()
    peak = 0

    def progress() -> None:
        nonlocal peak
        next_line = 10.0
        while True:
            gevent.sleep(0.5)
            peak = max(peak, runner.user_count)
            elapsed = time.monotonic() - started
            if elapsed >= next_line:
                next_line += 10
                bad = sum(1 for s in samples if not s[4])
                print(f"  {elapsed:4.0f} s  {runner.user_count:3d} people  {len(samples):6d} requests  "
                      f"{bad:4d} failed  {FirstLogin.counts['completed']:4d} journeys done", flush=True)

    ticker = gevent.spawn(progress)
    runner.start(spec["users"], spawn_rate=spec["spawn_rate"])
    gevent.sleep(spec["seconds"])
    load_end = time.monotonic() - started
    print(f"  {load_end:4.0f} s  time is up: no new journey; those under way may finish "
          f"({spec['stop_timeout']} s at most)", flush=True)
    runner.stop()
    stopped = time.monotonic() - started
    ticker.kill()
    runner.quit()
    counts = FirstLogin.counts
    interrupted = counts["started"] - counts["completed"] - counts["failed"]
    durations = sorted(FirstLogin.durations)

    result = {
        "users": spec["users"], "peak_users": peak, "spawn_rate": spec["spawn_rate"],
        "seconds": spec["seconds"], "load_seconds": round(load_end, 1),
        "seconds_with_stop": round(stopped, 1), "stop_timeout": spec["stop_timeout"],
        "think_s": spec["think_s"],
        "journeys": {"started": FirstLogin.counts["started"],
                     "completed": FirstLogin.counts["completed"],
                     "failed": FirstLogin.counts["failed"], "interrupted_at_stop": interrupted,
                     "no_account_left": FirstLogin.counts["no_account_left"]},
        "journey_seconds": {"median": round(statistics.median(durations), 1) if durations else None,
                            "p95": round(percentile(durations, 95), 1) if durations else None,
                            "max": round(durations[-1], 1) if durations else None},
        "journey_failures": FirstLogin.failures,
        "locust_cpu_warnings": cpu_warnings,
        "locust_cpu_seconds": round(os.times().user + os.times().system, 1),
        "samples": samples,
    }
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(result, file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
