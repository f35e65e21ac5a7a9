"""`make bench`: the sign-in journey on a throttled phone, the live checks, throughput.

    python -m bench.run [--out reports/bench] [--seconds 10] [--live-requests 200]

1. Starts the app under gunicorn with production settings on 127.0.0.1 (a fresh SQLite
   database with the demo accounts, a new SECRET_KEY, Secure cookies, mail by SMTP and
   SMS by the HTTP gateway, both to catchers started here: bench/servers.py).
2. Walks Véronique's first login in Chromium on a throttled phone profile and measures
   every page and every live answer (bench/walk.py).
3. Times the live checks on the server without the browser (bench/live.py).
4. Compares requests per second of /connexion with a bare Flask route answering the
   same bytes (bench/throughput.py, bench/bare.py), and times the password hash.
5. Checks the budgets (bench/budgets.py), prints them, writes bench.json and bench.png.

Exit code 1 when a budget fails, 2 when a step could not run; the report is written anyway.
"""
from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path

from bench import bare, budgets, live, report, throughput
from bench.servers import THREADS, WORKERS, Stack, free_port, gunicorn_command, wait_until_up
from bench.walk import PROFILE, Walk, add_cold_estimates, summarize_live


def _versions(chromium: str) -> dict:
    found = {"python": platform.python_version(), "chromium": chromium or None}
    for name in ("flask", "werkzeug", "gunicorn", "playwright", "flask-compress", "matplotlib"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    if shutil.which("wrk"):
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        found["wrk"] = (wrk.stdout or wrk.stderr).split("\n")[0].strip() or None
    return found


def _throughput(stack: Stack, seconds: float) -> dict:
    app_url = stack.base_url.replace("localhost", "127.0.0.1") + "/connexion"
    capture_path = stack.tmp / "connexion.json"
    captured = bare.capture(app_url, throughput.HEADERS, str(capture_path))
    port = free_port()
    process = stack.spawn(gunicorn_command("bench.bare:app", port, stack.tmp / "bare.log"),
                          {"BENCH_CAPTURE": str(capture_path)})
    stack.processes.append(process)
    try:
        bare_url = f"http://127.0.0.1:{port}/connexion"
        wait_until_up(bare_url, process=process)
        print(f"Throughput: {seconds:g} s on the app, then {seconds:g} s on the bare route…", flush=True)
        ours = throughput.load(app_url, seconds)
        theirs = throughput.load(bare_url, seconds)
    finally:
        stack.stop_process(process)
    return {"client": throughput.client_name(), "concurrency": throughput.CONCURRENCY,
            "seconds": seconds, "workers": WORKERS, "threads": THREADS,
            "request_headers": throughput.HEADERS, "captured_answer": captured,
            "app": ours, "bare": theirs,
            "ratio": round(ours["rps"] / theirs["rps"], 3) if theirs["rps"] else None}


def _password_hash(runs: int = 5) -> dict:
    """Argon2id with the production parameters (services/accounts.py), beside the scrypt
    of before issue 15 for comparison."""
    from werkzeug.security import check_password_hash, generate_password_hash

    from app import create_app
    from services.accounts import verify_password, hash_password

    app = create_app({"TESTING": True})
    hashes, checks, old = [], [], []
    with app.app_context():
        for _ in range(runs):
            started = time.perf_counter()
            hashed = hash_password("Soleil2Mars")
            hashes.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            assert verify_password(hashed, "Soleil2Mars")
            checks.append((time.perf_counter() - started) * 1000)
            legacy = generate_password_hash("Soleil2Mars", method="scrypt:32768:8:1")
            started = time.perf_counter()
            check_password_hash(legacy, "Soleil2Mars")
            old.append((time.perf_counter() - started) * 1000)
        config = app.config
        method = (f"argon2id m={config['ARGON2_MEMORY_KIB']} KiB, t={config['ARGON2_TIME_COST']}, "
                  f"p={config['ARGON2_PARALLELISM']}")
    return {"method": method, "parameters": hashed.rsplit("$", 2)[0], "runs": runs,
            "hash_ms_median": round(statistics.median(hashes), 1),
            "check_ms_median": round(statistics.median(checks), 1),
            "scrypt_before_ms_median": round(statistics.median(old), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="reports/bench", help="folder for bench.json and bench.png")
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per server (throughput)")
    parser.add_argument("--live-requests", type=int, default=200, help="direct POSTs per live check")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    errors: list[str] = []
    walk = None
    direct: dict = {}
    rates: dict = {}

    def step(name: str, action):
        try:
            return action()
        except Exception as error:  # noqa: BLE001 - recorded; the other steps still run
            traceback.print_exc()
            errors.append(f"{name}: {type(error).__name__}: {error}")
            return None

    with Stack() as stack:
        print(f"App (gunicorn {WORKERS}×{THREADS}, production settings) on {stack.base_url}", flush=True)
        walk = step("walk", lambda: Walk(stack.base_url, stack.inbox).run())
        print(f"Live checks, direct: {args.live_requests} POSTs each…", flush=True)
        direct = step("live checks (direct)", lambda: live.measure(
            stack.base_url.replace("localhost", "127.0.0.1"), stack.inbox, args.live_requests)) or {}
        rates = step("throughput", lambda: _throughput(stack, args.seconds)) or {}
    hashing = step("password hash", _password_hash) or {}

    pages = walk.pages if walk else []
    add_cold_estimates(pages)
    live_browser = summarize_live(walk.live) if walk else {}
    checks = budgets.evaluate(pages, live_browser, direct, rates)
    if walk is None:
        checks.append(budgets.Check("budget", "journey walked", "first login", None, 0, "yes", False, "no"))
    data = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "duration_s": None,
        "profile": PROFILE,
        "server": {"gunicorn_workers": WORKERS, "gunicorn_threads": THREADS, "app_env": "production",
                   "bind": "127.0.0.1", "database": "sqlite (fresh, temporary)",
                   "mail": "smtp → local aiosmtpd", "sms": "http → local gateway"},
        "versions": _versions(walk.chromium_version if walk else ""),
        "secure_cookie": walk.secure_cookie if walk else None,
        "code_message": getattr(walk, "code_message", None),
        "pages": pages,
        "live_checks": {"browser": live_browser, "aborted": walk.aborted_live if walk else {},
                        "browser_answers": walk.live if walk else [], "direct": direct},
        "throughput": rates,
        "password_hash": hashing,
        "budgets": budgets.as_json(checks),
        "notes": (walk.notes if walk else []),
        "errors": errors,
    }
    data["duration_s"] = round(time.monotonic() - started, 1)
    json_path = report.write_json(data, out)
    png_path = step("chart", lambda: report.chart(data, out)) if pages else None

    print()
    if pages and rates and hashing:
        print(report.table(data))
    print()
    for check in checks:
        print(check.line())
    failed = [c for c in checks if c.kind == "budget" and not c.ok]
    print()
    print(f"{len(failed)} budget(s) failed of {sum(c.kind == 'budget' for c in checks)}. "
          f"Report: {json_path}" + (f", {png_path}" if png_path else "") + f" ({data['duration_s']:.0f} s)")
    for error in errors:
        print(f"ERROR {error}", file=sys.stderr)
    if errors:
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
