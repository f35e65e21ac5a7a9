"""`make load`: load and faults, bounded in time, on loopback only (issue 8, item 7).

    python -m load.run [--out reports/load] [--users 200] [--seconds 60] [--think 1-3]

1. Starts its own PostgreSQL and Redis, the outbox (mail server + SMS gateway), runs the
   migrations, seeds accounts in first-login state, starts the app under gunicorn
   (production settings, 4 workers × 4 threads, behind one trusted proxy) — load/stack.py.
2. Load: locust, headless, 200 simultaneous virtual people through the whole first login
   for 60 s, each on its own account and address (load/swarm.py, load/locustfile.py).
3. Faults (load/faults.py): the attacker, Redis stopped mid-run, PostgreSQL restarted
   (with nobody around, then under traffic).
4. Prints the per-page figures and every check PASS/FAIL; writes load.json, load.md,
   gunicorn.log (the app's JSON lines), workers.log, postgresql.log, redis.log to --out.

Exit code 0 only if every check passes; 1 if one fails; 2 if a phase could not run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
import traceback
from importlib import metadata
from pathlib import Path

from load import faults
from load.journey import Outbox
from load.people import people, provisional_password, seed
from load.report import Report, format_table, page_table
from load.stack import ROOT, THREADS, WORKERS, CpuMeter, SetupError, Stack, say


class OutOfTime(BaseException):
    """The global time limit: everything stops and is cleaned up."""


def _versions() -> dict:
    found = {"python": platform.python_version()}
    for name in ("locust", "gunicorn", "flask", "flask-limiter", "sqlalchemy", "psycopg", "redis"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _server_versions(stack: Stack) -> dict:
    found = {}
    for name, command in (("postgresql", [str(stack.pg.bin / "postgres"), "--version"]),
                          ("redis", ["redis-server", "--version"])):
        try:
            found[name] = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            found[name] = None
    return found


def _think(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def _server_5xx(log: str) -> int:
    count = 0
    for line in log.splitlines():
        if line.startswith("{") and '"event":"request"' in line:
            try:
                if int(json.loads(line).get("status", 0)) >= 500:
                    count += 1
            except ValueError:
                pass
    return count


def _load(stack: Stack, report: Report, args, crowd: list, provisional: str, holder: dict,
          during=None) -> dict:
    """The crowd; `during()`, if given, runs in a thread from 10 s into it (the code attacker)
    and its result goes to report.data["codes"]."""
    spec = {"host": stack.base_url, "users": args.users, "spawn_rate": args.spawn_rate,
            "seconds": args.seconds, "stop_timeout": args.stop_timeout, "think_s": list(args.think),
            "provisional_password": provisional, "outbox": stack.catchers.url,
            "people": [p.as_dict() for p in crowd]}
    spec_path, out_path = stack.tmp / "spec.json", stack.tmp / "swarm.json"
    spec_path.write_text(json.dumps(spec))
    say(f"\nLoad: {args.users} virtual people (locust {metadata.version('locust')}, headless), spawned "
        f"{args.spawn_rate}/s, {args.seconds} s, pause {args.think[0]:g}–{args.think[1]:g} s between pages, "
        f"{len(crowd)} accounts ready…")
    offset = stack.log_offset()
    process = subprocess.Popen([sys.executable, "-m", "load.swarm", "--spec", str(spec_path),
                                "--out", str(out_path)], cwd=ROOT, start_new_session=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    holder["swarm"] = process
    meter = CpuMeter({"app (gunicorn)": stack.gunicorn.pid, "postgresql": stack.pg.pid(),
                      "redis": stack.redis.process.pid if stack.redis.process else None,
                      "locust": process.pid, "outbox (this script)": os.getpid()})
    meter.start()
    beside = None
    if during is not None:
        def attack() -> None:
            time.sleep(10)
            try:
                report.data["codes"] = during()
            except Exception as error:  # noqa: BLE001 - recorded as a failed check
                traceback.print_exc()
                report.check("codes", "the phase ran", False, f"{type(error).__name__}: {error}")

        beside = threading.Thread(target=attack, daemon=True)
        beside.start()
    try:
        process.wait(timeout=args.seconds + args.stop_timeout + 60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        raise SetupError("the locust process did not finish in time")
    if process.returncode or not out_path.exists():
        raise SetupError(f"the locust process failed (exit code {process.returncode})")
    if beside is not None:
        beside.join(timeout=120)
    swarm = json.loads(out_path.read_text())
    cpu = meter.stop({"locust": swarm.get("locust_cpu_seconds", 0.0)})
    samples = swarm.pop("samples")
    rows = page_table(samples)
    total = rows[-1] if rows else {"requests": 0, "failures": 0, "5xx": 0}
    server_5xx = _server_5xx(stack.log_since(offset))
    j = swarm["journeys"]
    swarm["pages"] = rows
    swarm["cpu"] = cpu
    swarm["server_log_5xx"] = server_5xx
    swarm["requests_per_s"] = round(total["requests"] / swarm["seconds_with_stop"], 1) if samples else 0
    swarm["journeys_per_s"] = round(j["completed"] / swarm["seconds_with_stop"], 2)
    print()
    print(format_table(rows))
    js = swarm["journey_seconds"]
    print(f"\nJourneys: {j['completed']} completed, {j['failed']} failed, {j['interrupted_at_stop']} "
          f"still under way when stopped, of {j['started']} started; a journey took {js['median']} s "
          f"(median), {js['p95']} s (p95); {swarm['requests_per_s']} requests/s, "
          f"{swarm['journeys_per_s']} journeys/s over {swarm['seconds_with_stop']} s")
    print(f"CPU over {cpu['seconds']} s: machine {cpu['machine_busy_percent']} % busy ({cpu['cores']} cores); "
          "cores used: " + ", ".join(f"{k} {v}" for k, v in cpu["cores_used"].items()) + "\n", flush=True)
    report.check("load", f"at least {args.users} simultaneous virtual people",
                 swarm["peak_users"] >= args.users, f"{swarm['peak_users']} at the peak")
    report.check("load", "zero 5xx", total["5xx"] == 0 and server_5xx == 0,
                 f"{total['5xx']} seen by locust, {server_5xx} in the app's request log")
    report.check("load", "every answer is the right page (status and content)",
                 total["failures"] == 0,
                 f"{total['failures']} of {total['requests']} requests"
                 + (f"; first: {swarm['journey_failures'][0]}" if swarm["journey_failures"] else ""))
    report.check("load", "every journey started goes through to Mon Compte and signs out",
                 j["failed"] == 0 and j["completed"] > 0,
                 f"{j['completed']} completed, {j['failed']} failed; {j['interrupted_at_stop']} still "
                 f"under way {args.stop_timeout} s after the end (stopped, not failed); "
                 f"{j['no_account_left']} people found no account left")
    return swarm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.run", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="reports/load")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", type=_think, default=(1.0, 3.0), help="pause between pages, s: MIN-MAX")
    parser.add_argument("--stop-timeout", type=int, default=45,
                        help="seconds the journeys under way may take to finish after the time is up")
    parser.add_argument("--attack-tries", type=int, default=100)
    parser.add_argument("--attack-concurrency", type=int, default=20)
    parser.add_argument("--pg-down", type=float, default=0.0,
                        help="0: pg_ctl restart -m fast; more: seconds PostgreSQL stays stopped")
    parser.add_argument("--phases", default="load,codes,attacker,redis,postgresql",
                        help="which phases to run, in this order (all by default); codes runs "
                             "during load")
    parser.add_argument("--time-limit", type=int, default=285, help="global limit, seconds")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    report = Report()
    errors: list[str] = []
    holder: dict = {}

    def out_of_time(*_):
        raise OutOfTime(f"the global time limit ({args.time_limit} s) was reached")

    def terminated(*_):
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.signal(signal.SIGTERM, terminated)
    signal.alarm(args.time_limit)

    # Who walks where: the load's crowd, then people kept for each fault phase.
    crowd_size = max(args.users * 10, 600)
    everyone = people(0, crowd_size + 200, seed=int(time.time()))
    crowd = everyone[:crowd_size]
    spare = iter(everyone[crowd_size:])
    target, bystander = next(spare), next(spare)
    mid = [next(spare) for _ in range(20)]
    fresh = [next(spare) for _ in range(5)]
    after = [next(spare) for _ in range(3)]
    pg_people = [next(spare) for _ in range(80)]
    guessed, asker = next(spare), next(spare)

    stack = Stack(out)
    code = 0
    try:
        say(f"make load: {os.cpu_count()} cores; everything on 127.0.0.1; report in {out}/")
        stack.start()
        provisional = provisional_password()
        from services.accounts import hash_password

        t = time.monotonic()
        hashed = hash_password(provisional)  # once: the same hash for every seeded account
        count = seed(stack.pg.url, everyone, hashed)
        say(f"Seeded {count} accounts in first-login state (one scrypt hash, bulk insert) — "
            f"{time.monotonic() - t:.1f} s")
        stack.start_app()
        say(f"App: gunicorn {WORKERS} workers × {THREADS} threads (gunicorn.conf.py), APP_ENV=production, "
            f"PostgreSQL + Redis, TRUSTED_PROXIES=1, on {stack.base_url}; log {stack.log}")
        outbox = Outbox(stack.catchers.url)
        report.data["setup"] = {
            "cores": os.cpu_count(), "machine": platform.platform(),
            "gunicorn": f"{WORKERS} workers × {THREADS} threads (gthread), gunicorn.conf.py",
            "app": "APP_ENV=production, Secure cookies, TRUSTED_PROXIES=1, NEW_DEVICE_CHECK on (default)",
            "database": "PostgreSQL (own cluster, temporary)", "limits_and_sessions": "Redis (own, temporary)",
            "outbox": "mail by SMTP to a local aiosmtpd, SMS by HTTP to a local gateway (bench/servers.py)",
            "accounts_seeded": count, "versions": {**_versions(), **_server_versions(stack)},
        }

        wanted = [p.strip() for p in args.phases.split(",") if p.strip()]
        phases = [
            ("load", lambda: _load(stack, report, args, crowd, provisional, holder, during=(
                (lambda: faults.code_attack(stack, report, guessed, asker, provisional, outbox))
                if "codes" in wanted else None))),
            ("attacker", lambda: faults.attacker(stack, report, target, provisional,
                                                 args.attack_tries, args.attack_concurrency)),
            ("redis", lambda: faults.redis_outage(stack, report, mid, fresh, after, bystander,
                                                  provisional, outbox)),
            ("postgresql", lambda: faults.postgres_restart(stack, report, pg_people, provisional,
                                                           outbox, args.pg_down)),
        ]
        for name, phase in [p for p in phases if p[0] in wanted]:
            try:
                report.data[name] = phase()
            except (SetupError, Exception) as error:  # noqa: BLE001 - recorded; next phase
                traceback.print_exc()
                errors.append(f"{name}: {type(error).__name__}: {error}")
                report.check(name, "the phase ran", False, f"{type(error).__name__}: {error}")
                code = 2
            if stack.gunicorn is not None and stack.gunicorn.poll() is not None:
                errors.append("gunicorn stopped")
                report.check(name, "gunicorn still running", False, f"exit code {stack.gunicorn.returncode}")
                break
    except SetupError as error:
        errors.append(f"setup: {error}")
        print(f"\nmake load: could not start: {error}", file=sys.stderr, flush=True)
        code = 2
    except (OutOfTime, KeyboardInterrupt) as error:
        errors.append(f"stopped: {error or type(error).__name__}")
        print(f"\nmake load: stopped: {error or type(error).__name__}", file=sys.stderr, flush=True)
        code = 2
    finally:
        signal.alarm(0)
        swarm = holder.get("swarm")
        if swarm is not None and swarm.poll() is None:
            try:
                os.killpg(swarm.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the cleanup must finish
        say("\nStopping gunicorn, PostgreSQL, Redis and the outbox…")
        stack.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    report.data["duration_s"] = round(time.monotonic() - started, 1)
    report.data["errors"] = errors
    report.data["settings"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(args).items()}
    json_path, md_path = report.write(out)
    print(f"\n{'=' * 30} make load: {len(report.checks)} checks, "
          f"{sum(1 for c in report.checks if not c.ok)} failed, {report.data['duration_s']} s {'=' * 30}")
    load = report.data.get("load")
    if load:
        j, js, cpu = load["journeys"], load["journey_seconds"], load["cpu"]
        print(f"Load: {load['peak_users']} simultaneous people, {load['seconds']} s (+ up to "
              f"{load['stop_timeout']} s for the journeys under way), pause {load['think_s'][0]:g}–"
              f"{load['think_s'][1]:g} s between pages; {j['completed']} journeys completed, "
              f"{j['failed']} failed, {j['interrupted_at_stop']} still under way when stopped; "
              f"journey {js['median']} s median, {js['p95']} s p95; machine {cpu['machine_busy_percent']} % busy")
        print(format_table(load["pages"]))
    for check in report.checks:
        print(check.line())
    print(f"Report: {json_path}, {md_path}; app log: {stack.log}")
    if code == 0 and not report.passed:
        code = 1
    return code


if __name__ == "__main__":
    raise SystemExit(main())
