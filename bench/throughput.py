"""Requests per second of GET /connexion: the app against the bare route (bench/bare.py).

Both run under gunicorn with the same settings, one after the other, loaded by the same
client for the same time: `wrk` when it is on PATH, else a Python client (several
processes, each with keep-alive connections). The client asks like a browser does for
compressed pages (Accept-Encoding: gzip, deflate, br), without cookies: a first visit.
"""
from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import shutil
import subprocess
import threading
import time
from urllib.parse import urlsplit

CONCURRENCY = 16
HEADERS = {"Accept-Encoding": "gzip, deflate, br",
           "Accept": "text/html,application/xhtml+xml", "User-Agent": "moncompte-bench"}


def client_name() -> str:
    """`wrk` if on PATH, else the Python client; BENCH_LOAD_CLIENT=python forces the latter."""
    if os.environ.get("BENCH_LOAD_CLIENT") == "python":
        return "python"
    return "wrk" if shutil.which("wrk") else "python"


def _wrk(url: str, seconds: float) -> dict:
    command = ["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True,
                            timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    p50 = re.search(r"50%\s+([0-9.]+)(us|ms|s)\b", output)
    return {"rps": rps, "requests": total, "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(0) if errors else None,
            "latency_p50_ms": _ms(p50) if p50 else None}


def _ms(found: re.Match) -> float:
    value, unit = float(found.group(1)), found.group(2)
    return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 3)


def _python_worker(url: str, seconds: float, threads: int, results) -> None:
    parts = urlsplit(url)
    counts = [0] * threads
    bad = [0] * threads
    deadline = time.monotonic() + seconds

    def loop(i: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < deadline:
            try:
                connection.request("GET", parts.path, headers=HEADERS)
                answer = connection.getresponse()
                answer.read()
                counts[i] += 1
                if not 200 <= answer.status < 400:
                    bad[i] += 1
                if answer.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                bad[i] += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.close()

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put((sum(counts), sum(bad)))


def _python(url: str, seconds: float) -> dict:
    processes, threads = 4, CONCURRENCY // 4
    results = multiprocessing.get_context("fork").Queue()
    workers = [multiprocessing.get_context("fork").Process(
        target=_python_worker, args=(url, seconds, threads, results)) for _ in range(processes)]
    started = time.monotonic()
    for w in workers:
        w.start()
    done = [results.get(timeout=seconds + 60) for _ in workers]
    for w in workers:
        w.join(timeout=10)
    elapsed = time.monotonic() - started
    total = sum(d[0] for d in done)
    return {"rps": round(total / elapsed, 1), "requests": total, "non_2xx": sum(d[1] for d in done),
            "socket_errors": None, "latency_p50_ms": None}


def load(url: str, seconds: float) -> dict:
    """A short warm-up (not counted), then `seconds` of load."""
    run = _wrk if client_name() == "wrk" else _python
    run(url, min(2.0, seconds))
    return run(url, seconds)
