"""The budgets of issue 9, checked against the figures. 1 KB = 1024 bytes.

A page «with live checks» is a page that loads htmx (`static/js/htmx*.js`). A page that
loads htmx without any live field (`[data-hx-post]`/`[hx-post]`) fails «no htmx without
a live check». Budgets decide the exit code; aims are printed, they do not.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

KB = 1024
FIRST_VISIT_PLAIN = 10 * KB
FIRST_VISIT_LIVE = 25 * KB
LATER_VISIT = 8 * KB
FCP_MS = 1500
FRAGMENT_BYTES = 1 * KB
FRAGMENT_AIM_BYTES = 500
SERVER_MS_MEDIAN = 2.0
THROUGHPUT_RATIO_AIM = 0.5


@dataclass
class Check:
    kind: str      # "budget" or "aim"
    name: str
    subject: str
    measured: float | None
    limit: float
    unit: str
    ok: bool
    shown: str     # the measured value as printed

    @property
    def word(self) -> str:
        if self.kind == "aim":
            return "MET " if self.ok else "MISS"
        return "PASS" if self.ok else "FAIL"

    def line(self) -> str:
        return f"{self.word}  {self.name:<46} {self.subject:<22} {self.shown:>12}  (limit {self._limit()})"

    def _limit(self) -> str:
        op = "≥" if self.name.startswith("throughput") else "≤"
        if self.unit == "KB":
            return f"{op} {self.limit / KB:g} KB"
        if self.unit == "B":
            return f"{op} {self.limit:g} B"
        if self.unit == "yes":
            return "none"
        return f"{op} {self.limit:g} {self.unit}"


def _kb(value: float | None) -> str:
    return "not measured" if value is None else f"{value / KB:.1f} KB"


def evaluate(pages: list[dict], live_browser: dict, live_direct: dict, throughput: dict) -> list[Check]:
    checks: list[Check] = []
    for p in pages:
        subject = f"{p['page']} ({p['visit']})"
        kind = "with live checks" if p["htmx"] else "no live check"
        limit = FIRST_VISIT_LIVE if p["htmx"] else FIRST_VISIT_PLAIN
        if p["visit"] == "first":
            checks.append(Check("budget", f"weight, first visit, {kind}", p["page"], p["bytes"], limit,
                                "KB", p["bytes"] <= limit, _kb(p["bytes"])))
        else:
            checks.append(Check("budget", "weight, static files cached", subject, p["bytes"],
                                LATER_VISIT, "KB", p["bytes"] <= LATER_VISIT, _kb(p["bytes"])))
        if p["visit"] == "journey":
            cold = p.get("cold_bytes_estimate")
            checks.append(Check("budget", f"weight, cold cache (est.), {kind}", p["page"], cold, limit,
                                "KB", cold is not None and cold <= limit, _kb(cold)))
        if p["htmx"] and not p["live_fields"]:
            checks.append(Check("budget", "no htmx without a live check", subject, 1, 0, "yes",
                                False, "htmx loaded"))
        fcp = p["fcp_ms"]
        checks.append(Check("budget", "first contentful paint", subject, fcp, FCP_MS, "ms",
                            fcp is not None and fcp <= FCP_MS,
                            "not measured" if fcp is None else f"{fcp:.0f} ms"))
    for check, figures in live_browser.items():
        size = figures["encoded_bytes_max"]
        shown = "not measured" if size is None else f"{size} B"
        checks.append(Check("budget", "live fragment size (max, on wire)", check, size, FRAGMENT_BYTES,
                            "B", size is not None and size <= FRAGMENT_BYTES, shown))
        checks.append(Check("aim", "live fragment size (max, on wire)", check, size, FRAGMENT_AIM_BYTES,
                            "B", size is not None and size <= FRAGMENT_AIM_BYTES, shown))
    for check, figures in live_direct.items():
        if not isinstance(figures, dict) or "server_ms_median" not in figures:
            continue
        median = figures["server_ms_median"]
        checks.append(Check("budget", "live check server time (median)", check, median, SERVER_MS_MEDIAN,
                            "ms", median is not None and median <= SERVER_MS_MEDIAN,
                            "not measured" if median is None else f"{median:.2f} ms"))
    ratio = throughput.get("ratio")
    checks.append(Check("aim", "throughput ratio page / bare", "GET /connexion", ratio, THROUGHPUT_RATIO_AIM,
                        "", ratio is not None and ratio >= THROUGHPUT_RATIO_AIM,
                        "not measured" if ratio is None else f"{ratio:.2f}"))
    return checks


def as_json(checks: list[Check]) -> list[dict]:
    return [{**asdict(c), "result": c.word.strip()} for c in checks]
