"""The figures of `make load`: per page requests, failures, median and p95; the checks
PASS/FAIL; load.json and load.md."""
from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

# The pages in the order a person meets them (others, if any, follow in order of arrival).
PAGE_ORDER = ("connexion GET", "connexion numéro (htmx)", "connexion POST", "nouvel appareil GET",
              "nouvel appareil POST", "conditions GET", "conditions POST", "mot de passe GET",
              "mot de passe règles (htmx)", "mot de passe POST", "coordonnées GET",
              "coordonnées POST", "code GET", "code saisie (htmx)", "code POST", "mon compte GET",
              "déconnexion POST", "connexion GET (déconnecté)")


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0-100): the smallest value with at least p % of the
    values at or below it. None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def page_table(samples: list[list]) -> list[dict]:
    """Samples are [name, method, ms, status, right, t]; one row per page and a total."""
    by_page: dict[str, list[list]] = {}
    for sample in samples:
        by_page.setdefault(sample[0], []).append(sample)
    order = [p for p in PAGE_ORDER if p in by_page] + [p for p in by_page if p not in PAGE_ORDER]
    rows = [_row(name, by_page[name]) for name in order]
    if samples:
        rows.append(_row("total", samples))
    return rows


def _row(name: str, samples: list[list]) -> dict:
    times = [s[2] for s in samples]
    return {"page": name, "requests": len(samples), "failures": sum(1 for s in samples if not s[4]),
            "5xx": sum(1 for s in samples if s[3] >= 500),
            "median_ms": _ms(statistics.median(times)) if times else None,
            "p95_ms": _ms(percentile(times, 95)), "max_ms": _ms(max(times) if times else None)}


def format_table(rows: list[dict]) -> str:
    head = f"{'page':<30} {'requests':>8} {'failures':>8} {'5xx':>5} {'median ms':>10} {'p95 ms':>9} {'max ms':>9}"
    lines = [head, "-" * len(head)]
    for row in rows:
        if row["page"] == "total":
            lines.append("-" * len(head))
        lines.append(f"{row['page']:<30} {row['requests']:>8} {row['failures']:>8} {row['5xx']:>5} "
                     f"{_num(row['median_ms']):>10} {_num(row['p95_ms']):>9} {_num(row['max_ms']):>9}")
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


@dataclass
class Check:
    phase: str
    what: str
    ok: bool
    measured: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.phase}: {self.what} — {self.measured}"


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def check(self, phase: str, what: str, ok: bool, measured: str) -> bool:
        item = Check(phase, what, bool(ok), measured)
        self.checks.append(item)
        print(item.line(), flush=True)
        return item.ok

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def write(self, out: Path) -> tuple[Path, Path]:
        data = {**self.data, "checks": [asdict(c) for c in self.checks], "passed": self.passed}
        json_path = out / "load.json"
        json_path.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n",
                             encoding="utf-8")
        md_path = out / "load.md"
        md_path.write_text(markdown(data), encoding="utf-8")
        return json_path, md_path


def markdown(data: dict) -> str:
    lines = ["# `make load` — load and faults", ""]
    setup = data.get("setup", {})
    if setup:
        lines += [f"- {key}: {value}" for key, value in setup.items()]
        lines.append("")
    load = data.get("load")
    if load:
        j = load.get("journeys", {})
        lines += ["## Load", "",
                  f"{load.get('peak_users')} simultaneous virtual people for {load.get('seconds')} s "
                  f"(journeys under way then finished for {load.get('stop_timeout')} s at most; "
                  f"{load.get('seconds_with_stop')} s in all), pause {load.get('think_s')} s between pages.",
                  "",
                  f"Journeys: {j.get('completed')} completed, {j.get('failed')} failed, "
                  f"{j.get('interrupted_at_stop')} still under way when stopped, of {j.get('started')} started; "
                  f"a journey took {load.get('journey_seconds', {}).get('median')} s (median), "
                  f"{load.get('journey_seconds', {}).get('p95')} s (p95). "
                  f"{load.get('requests_per_s')} requests/s, {load.get('journeys_per_s')} journeys/s.",
                  ""]
        cpu = load.get("cpu")
        if cpu:
            lines += [f"CPU over {cpu['seconds']} s: machine {cpu['machine_busy_percent']} % busy "
                      f"({cpu['cores']} cores); cores used: "
                      + ", ".join(f"{k} {v}" for k, v in cpu["cores_used"].items()) + ".", ""]
        lines += ["| page | requests | failures | 5xx | median ms | p95 ms | max ms |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for row in load.get("pages", []):
            lines.append(f"| {row['page']} | {row['requests']} | {row['failures']} | {row['5xx']} | "
                         f"{_num(row['median_ms'])} | {_num(row['p95_ms'])} | {_num(row['max_ms'])} |")
        lines.append("")
    lines += ["## Checks", ""]
    for check in data.get("checks", []):
        lines.append(f"- **{'PASS' if check['ok'] else 'FAIL'}** {check['phase']}: {check['what']} — "
                     f"{check['measured']}")
    lines.append("")
    for name in ("attacker", "redis", "postgresql"):
        phase = data.get(name)
        if phase:
            lines += [f"## {name}", "", "```json",
                      json.dumps({k: v for k, v in phase.items() if k != "samples"}, indent=1,
                                 ensure_ascii=False, default=str)[:6000], "```", ""]
    if data.get("errors"):
        lines += ["## Errors", ""] + [f"- {e}" for e in data["errors"]] + [""]
    return "\n".join(lines)
