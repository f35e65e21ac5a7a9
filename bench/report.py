"""What the benchmark shows: a table in the terminal, bench.json and bench.png."""
from __future__ import annotations

import json
from pathlib import Path

from bench import budgets


def table(report: dict) -> str:
    lines = []
    p = report["profile"]
    lines.append(f"Phone profile: {p['viewport']['width']}×{p['viewport']['height']}, RTT {p['latency_ms']} ms, "
                 f"{p['download_bytes_per_s'] * 8 // 1000} kbit/s down, {p['upload_bytes_per_s'] * 8 // 1000} kbit/s up, "
                 f"CPU ÷{p['cpu_slowdown']}")
    lines.append("")
    lines.append(f"{'page':<14}{'visit':<9}{'KB':>6}{'cold KB':>8}{'req':>5}{'cached':>7}{'htmx':>6}"
                 f"{'FCP ms':>8}{'ready ms':>10}{'TTFB ms':>9}{'303 ms':>8}")
    for row in report["pages"]:
        lines.append(f"{row['page']:<14}{row['visit']:<9}{row['bytes'] / 1024:6.1f}"
                     f"{row['cold_bytes_estimate'] / 1024:8.1f}{row['requests']:5d}"
                     f"{row['from_cache']:7d}{'yes' if row['htmx'] else 'no':>6}{_n(row['fcp_ms']):>8}"
                     f"{_n(row['ready_ms']):>10}{_n(row['ttfb_ms']):>9}{_n(row['redirect_ms']):>8}")
    lines.append("KB = on the wire (headers + compressed bodies); cold KB = same page with an empty cache.")
    lines.append("Times from navigation start (the form post for journey pages; 303 ms = its redirect hop).")
    lines.append("ready = domContentLoadedEventEnd: deferred scripts ran, htmx bound the live fields.")
    lines.append("")
    lines.append(f"{'live check':<16}{'answers':>8}{'aborted':>8}{'wire B max':>11}{'raw B max':>10}"
                 f"{'srv ms (phone)':>15}{'srv ms median (direct)':>24}{'round trip ms':>15}")
    for check, row in report["live_checks"]["browser"].items():
        direct = report["live_checks"]["direct"].get(check, {})
        lines.append(f"{check:<16}{row['answers']:>8}{report['live_checks']['aborted'].get(check, 0):>8}"
                     f"{_n(row['encoded_bytes_max']):>11}{_n(row['raw_bytes_max']):>10}"
                     f"{_n(row['server_ms_median']):>15}{_n(direct.get('server_ms_median')):>24}"
                     f"{_n(direct.get('round_trip_ms_median')):>15}")
    lines.append("aborted = replaced by a newer keystroke (hx-sync replace) before its answer came; "
                 "srv ms = Server-Timing app;dur; direct = 200 POSTs on loopback, no browser.")
    c = report.get("secure_cookie") or {}
    lines.append(f"Session cookie on {c.get('origin')}: set {c.get('cookie_set')}, Secure {c.get('secure')}, "
                 f"sign-in worked {c.get('signed_in')}; code received by {(report.get('code_message') or {}).get('channel')}, "
                 f"Marie-Ange's by {report['live_checks']['direct'].get('journey_by_sms', {}).get('channel')}")
    t = report["throughput"]
    lines.append("")
    lines.append(f"Throughput GET /connexion ({t['client']}, {t['concurrency']} connections, {t['seconds']:g} s each, "
                 f"gunicorn {t['workers']}×{t['threads']}):")
    lines.append(f"  app  {t['app']['rps']:9.1f} req/s   bare route {t['bare']['rps']:9.1f} req/s   "
                 f"ratio {t['ratio']:.2f}")
    h = report["password_hash"]
    lines.append(f"Password hash ({h['method']}, meant to be slow): {h['hash_ms_median']:.1f} ms median of "
                 f"{h['runs']}; check {h['check_ms_median']:.1f} ms"
                 + (f" (scrypt N=2^15 of before: {h['scrypt_before_ms_median']:.1f} ms)"
                    if h.get("scrypt_before_ms_median") is not None else ""))
    return "\n".join(lines)


def _n(value) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if isinstance(value, float) and value >= 100 else f"{value:g}"


def write_json(report: dict, out: Path) -> Path:
    path = out / "bench.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def chart(report: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pages = report["pages"]
    names = list(dict.fromkeys(p["page"] for p in pages))
    x = list(range(len(names)))
    w = 0.4
    fig, (kb, fcp) = plt.subplots(2, 1, figsize=(8, 6.5), dpi=100, sharex=True)

    # Left bar: empty cache (measured for «first», computed for journey pages, hatched).
    # Right bar: static files cached (journey pages as walked, «later» visits).
    cold, cold_hatch, warm = [], [], []
    fcp_cold, fcp_warm = [], []
    for name in names:
        rows = {p["visit"]: p for p in pages if p["page"] == name}
        first, journey, later = rows.get("first"), rows.get("journey"), rows.get("later")
        cold.append((first["bytes"] if first else journey["cold_bytes_estimate"] if journey else 0) / 1024)
        cold_hatch.append(first is None and journey is not None)
        cached = journey or later
        warm.append((cached["bytes"] / 1024) if cached else 0)
        fcp_cold.append(((first or {}).get("fcp_ms") or 0) / 1000)
        fcp_warm.append(((journey or later or {}).get("fcp_ms") or 0) / 1000)
    bars = kb.bar([i - w / 2 for i in x], cold, w, color="#00507d", label="first visit, empty cache")
    for bar, hatched in zip(bars, cold_hatch):
        if hatched:
            bar.set_hatch("//")
            bar.set_facecolor("#5b8db8")
    kb.bar([i + w / 2 for i in x], warm, w, color="#9ccbe8", label="static files cached")
    kb.axhline(budgets.FIRST_VISIT_LIVE / 1024, color="#c0392b", ls="--", lw=1, label="25 KB first visit, live checks")
    kb.axhline(budgets.FIRST_VISIT_PLAIN / 1024, color="#e67e22", ls="--", lw=1, label="10 KB first visit, no live check")
    kb.axhline(budgets.LATER_VISIT / 1024, color="#27ae60", ls="--", lw=1, label="8 KB static cached")
    kb.set_ylabel("KB on the wire")
    kb.set_title("Page weight (hatched: computed from the same files)")
    kb.set_ylim(0, max(cold + warm + [budgets.FIRST_VISIT_LIVE / 1024]) * 1.5)
    kb.legend(fontsize=7, loc="upper center", ncol=2)
    fcp.bar([i - w / 2 for i in x], fcp_cold, w, color="#00507d", label="first visit, empty cache")
    fcp.bar([i + w / 2 for i in x], fcp_warm, w, color="#9ccbe8", label="static files cached")
    fcp.axhline(budgets.FCP_MS / 1000, color="#c0392b", ls="--", lw=1, label="1.5 s")
    fcp.set_ylabel("FCP (s)")
    p = report["profile"]
    fcp.set_title(f"First contentful paint — RTT {p['latency_ms']} ms, "
                  f"{p['download_bytes_per_s'] * 8 // 1000} kbit/s, CPU ÷{p['cpu_slowdown']}")
    fcp.set_ylim(0, max(fcp_cold + fcp_warm + [budgets.FCP_MS / 1000]) * 1.35)
    fcp.legend(fontsize=7, loc="upper center", ncol=3)
    fcp.set_xticks(x)
    fcp.set_xticklabels(names, rotation=20, ha="right", fontsize=8)
    fig.tight_layout()
    path = out / "bench.png"
    fig.savefig(path)
    plt.close(fig)
    return path
