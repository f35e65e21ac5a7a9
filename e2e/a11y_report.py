"""The e2e suite's own accessibility report.

Every axe run made through `check_axe` / `check_axe_nojs` (e2e/helpers.py) records one
entry here, before its assertion, so a failing run is in the report too. At the end of
the pytest session e2e/conftest.py writes the whole report as JSON to
`reports/accessibility/axe-report.json` (folder: env `A11Y_REPORT_DIR`) and prints a
one-line summary.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "reports" / "accessibility"
FILE_NAME = "axe-report.json"

# The app under test is served on the loopback (helpers.serving). Pages made up by the
# helpers' own tests (e2e/test_e2e_helpers.py, on http://helpers.test) check that axe does
# catch faults: their runs are kept apart, not counted as the app's.
APP_HOSTS = {"127.0.0.1", "localhost", "::1"}

_lock = threading.Lock()
ENTRIES: list[dict] = []
SELF_CHECKS: list[dict] = []


def report_dir() -> Path:
    return Path(os.environ.get("A11Y_REPORT_DIR") or DEFAULT_DIR)


def record(page, response: dict, *, state: str | None, js: bool, tags: list[str],
           url: str | None = None, title: str | None = None) -> dict:
    """One axe run: where, what, and what axe found. `page` gives the viewport (and the
    URL and title unless given: the no-JS copy page has neither of its own)."""
    violations = response.get("violations", [])
    viewport = getattr(page, "viewport_size", None) or {}
    if title is None:
        try:
            title = page.title()
        except Exception:  # the page may be gone; the entry matters more than its title
            title = ""
    entry = {
        "state": state,
        "path": urlsplit(url or page.url).path,
        "url": url or page.url,
        "title": title,
        "viewport": viewport.get("width"),
        "js": js,
        "violations": len(violations),
        "violation_details": [
            {"id": v["id"], "impact": v.get("impact"), "help": v.get("help"),
             "targets": [", ".join(map(str, n["target"])) for n in v.get("nodes", [])]}
            for v in violations
        ],
        "passes": len(response.get("passes", [])),
        "axe_version": (response.get("testEngine") or {}).get("version"),
        "tags": list(tags),
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    with _lock:
        (ENTRIES if urlsplit(entry["url"]).hostname in APP_HOSTS else SELF_CHECKS).append(entry)
    return entry


def summary() -> dict:
    with _lock:
        entries = list(ENTRIES)
    states: dict[str, dict] = {}
    for e in entries:
        name = e["state"] or f"(unnamed) {e['path']}"
        s = states.setdefault(name, {"state": name, "paths": [], "titles": [], "runs": 0,
                                     "violations": 0, "viewports": [], "js": []})
        s["runs"] += 1
        s["violations"] += e["violations"]
        for key, value in (("paths", e["path"]), ("titles", e["title"]),
                           ("viewports", e["viewport"]), ("js", e["js"])):
            if value not in s[key]:
                s[key].append(value)
    named = {e["state"] for e in entries if e["state"]}
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tags": sorted({t for e in entries for t in e["tags"]}),
        "axe_versions": sorted({e["axe_version"] for e in entries if e["axe_version"]}),
        "states": len(states),
        "named_states": len(named),
        "axe_runs": len(entries),
        "runs_with_violations": sum(1 for e in entries if e["violations"]),
        "total_violations": sum(e["violations"] for e in entries),
        "per_state": sorted(states.values(), key=lambda s: s["state"]),
        "runs": entries,
        "helper_self_checks": {
            "note": "axe runs on pages made up by e2e/test_e2e_helpers.py to prove the checks catch faults; "
                    "not pages of the app, not counted above",
            "runs": len(SELF_CHECKS),
        },
    }


def write(directory: Path | None = None) -> Path | None:
    """Write the report if any axe run happened; returns its path."""
    if not ENTRIES:
        return None
    directory = directory or report_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAME
    path.write_text(json.dumps(summary(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def one_line() -> str:
    s = summary()
    return (f"axe (WCAG 2.1 A/AA): {s['states']} page states, {s['axe_runs']} runs, "
            f"{s['total_violations']} violations ({s['runs_with_violations']} runs with violations)")
