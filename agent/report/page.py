"""The report people look at: one HTML page with matplotlib figures (PNG files next to it) and a table of the
requests that fail most."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display here or on a server
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from agent.report.stats import ReportStats

FIGURES = ("defect_rate.png", "failure_points.png", "rewrites.png", "users.png", "devices.png")
COLORS = {"wins": "tab:green", "losses": "tab:red", "bars": "tab:blue", "line": "tab:orange"}


def write_report(stats: ReportStats, out: Path, title: str = "Ambient agent report") -> Path:
    """Write `index.html` and its figures into `out`; returns the page's path."""
    out.mkdir(parents=True, exist_ok=True)
    _defect_rate(stats, out / FIGURES[0])
    _bars(out / FIGURES[1], "Defective turns by failure point", list(stats.failure_points),
          list(stats.failure_points.values()), "turns", empty="no failure points isolated")
    _rewrites(stats, out / FIGURES[2])
    _bars(out / FIGURES[3], "Defect rate per user (most defective)", [r[0] for r in stats.by_user],
          [r[1] for r in stats.by_user], "defect rate")
    _bars(out / FIGURES[4], "Defect rate per satellite", [r[0] for r in stats.by_device],
          [r[1] for r in stats.by_device], "defect rate")
    page = out / "index.html"
    page.write_text(_html(stats, title), encoding="utf-8")
    return page


def _defect_rate(stats: ReportStats, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    days = [d for d, _, _ in stats.defect_rate_by_day]
    ax.plot(days, [r for _, r, _ in stats.defect_rate_by_day], marker="o", color=COLORS["line"])
    ax.set_title("Defect rate per day")
    ax.set_ylabel("defective turns")
    ax.set_ylim(0, 1)
    ax.tick_params(axis="x", labelrotation=30)
    _save(fig, path)


def _bars(path: Path, title: str, names: list[str], values: list[float], unit: str, empty: str = "no turns") -> None:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    if names:
        ax.barh(names[::-1], values[::-1], color=COLORS["bars"])
    else:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_xlabel(unit)
    _save(fig, path)


def _rewrites(stats: ReportStats, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    rules = sorted(stats.rewrites, key=lambda r: -sum(stats.rewrites[r]))[:10]
    if rules:
        labels = [r.split(":", 1)[-1][:40] for r in rules][::-1]
        wins = [stats.rewrites[r][0] for r in rules][::-1]
        losses = [stats.rewrites[r][1] for r in rules][::-1]
        ax.barh(labels, wins, color=COLORS["wins"], label="wins")
        ax.barh(labels, losses, left=wins, color=COLORS["losses"], label="losses")
        ax.legend(loc="lower right")
    else:
        ax.text(0.5, 0.5, "no rewrites applied", ha="center", va="center", transform=ax.transAxes)
    ax.set_title("Rewrites: wins and losses")
    ax.set_xlabel("rewritten turns")
    _save(fig, path)


def _save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _html(stats: ReportStats, title: str) -> str:
    rate = stats.defects / stats.turns if stats.turns else 0.0
    wins = sum(w for w, _ in stats.rewrites.values())
    losses = sum(l for _, l in stats.rewrites.values())
    rows = "".join(f"<tr><td>{html.escape(text)}</td><td>{count}</td><td>{html.escape(point)}</td></tr>"
                   for text, count, point in stats.top_failing)
    figures = "".join(f'<figure><img src="{name}" alt="{name[:-4].replace("_", " ")}"></figure>' for name in FIGURES)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}figure{{margin:1em 0}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .6em;text-align:left}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p id="summary">{stats.turns} turns, {stats.defects} defective ({rate:.1%}); rewrites: {wins} wins, {losses} losses.</p>
{figures}
<h2>Requests that fail most</h2>
<table id="top-failing"><tr><th>heard</th><th>defective turns</th><th>failure point</th></tr>{rows}</table>
</body></html>
"""
