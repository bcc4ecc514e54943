"""bench/results.json (every labelled run kept, e.g. "before" and "after" a tuning) and the
RESULTS.md rendered from it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.measure import Step

STEPS = ("create", "plan-nochange", "plan-10pct", "apply-10pct", "delete-10pct")
# The targets on this 2-core machine: (step, N) → (max seconds, max MB or None).
TARGETS = {("plan-nochange", 1000): (0.5, None), ("plan-nochange", 10000): (3.0, 300.0), ("create", 1000): (3.0, None)}
CREATE_SPEEDUP = {1000: 5.0}  # creates must beat terraform_data at every N, and by 5× at 1,000


def merge_results(
    path: Path,
    label: str,
    machine: str,
    runs: Mapping[str, list[Step]],
    throttled: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    data = json.loads(path.read_text()) if path.exists() else {"runs": {}}
    data["runs"].pop(label, None)  # re-running a label replaces it, and it becomes the latest
    data["runs"][label] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "steps": [s.to_json() for steps in runs.values() for s in steps],
        "throttled": throttled or [],
    }
    return data


def render(data: Mapping[str, Any]) -> str:
    labels = list(data["runs"])
    latest = labels[-1]
    run = data["runs"][latest]
    steps = [Step(**s) for s in run["steps"]]
    out = [
        "# Benchmark results",
        "",
        "Written by `python -m bench` (`make bench`); see bench/__main__.py for what each step does.",
        f"Latest run: **{latest}**, {run['date']}, {run['machine']}; sandbox in the benchmark process, CLI as a",
        "subprocess (interpreter start-up included; bytecode compiled first, as `pip install` does). Plans",
        "are the median of three runs; creates and applies change the state, so they run once. What was",
        "profiled and changed between the runs compared at the end: bench/FINDINGS.md.",
        "",
    ]
    for n in sorted({s.n for s in steps}):
        out += _size_table(n, steps)
    out += _growth(steps)
    out += _calls_table(steps)
    out += _throttled_table(run.get("throttled") or [])
    if len(labels) > 1:
        out += _history(data)
    return "\n".join(out) + "\n"


def _size_table(n: int, steps: list[Step]) -> list[str]:
    mine = {s.name: s for s in steps if s.n == n and s.tool == "provision"}
    theirs = {s.name: s for s in steps if s.n == n and s.tool == "terraform"}
    lines = [
        f"## N = {n:,}",
        "",
        "| step | provision | peak RSS | terraform_data | peak RSS | provision faster by | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name in STEPS:
        p, t = mine.get(name), theirs.get(name)
        if p is None and t is None:
            continue
        lines.append(
            f"| {name} | {_s(p)} | {_mb(p)} | {_s(t)} | {_mb(t)} | {_ratio(p, t)} | {_target(name, n, p, t)} |"
        )
    return [*lines, ""]


def _calls_table(steps: list[Step]) -> list[str]:
    lines = [
        "## API calls vs the minimal bound",
        "",
        "Reads of a no-change plan vs Σ⌈live objects / max page size⌉; writes of each apply vs the changes.",
        "",
        "| N | step | reads | writes | bound | at the bound |",
        "| ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for s in steps:
        if s.tool != "provision" or s.bound is None:
            continue
        measured = s.reads if s.name.startswith("plan") else s.writes
        ok = "yes" if measured == s.bound else f"no ({measured} vs {s.bound})"
        lines.append(f"| {s.n:,} | {s.name} | {s.reads} | {s.writes} | {s.bound} | {ok} |")
    return [*lines, ""]


def _throttled_table(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    lines = [
        "## Apply under a provider rate limit",
        "",
        "The sandbox allows R requests/s on Vonage's application API; nothing is configured, so the engine",
        "learns the limit from the first 429s. Target: wall ≤ 1.15 × writes/R (wall includes start-up).",
        "",
        "| R | writes | wall | bound writes/R | ratio | 429s | target |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        met = "met" if r["ratio"] and r["ratio"] <= 1.15 else "missed"
        figures = f"{r['wall']:.2f} s | {r['bound']:.2f} s | {r['ratio']:.2f}"
        lines.append(f"| {r['R']} | {r['writes']} | {figures} | {r['429']} | {met} |")
    return [*lines, ""]


def _history(data: Mapping[str, Any]) -> list[str]:
    labels = list(data["runs"])
    lines = [
        "## Runs compared (provision wall seconds)",
        "",
        "| N | step | " + " | ".join(labels) + " |",
        "| ---: | --- |" + " ---: |" * len(labels),
    ]
    table: dict[tuple[int, str], dict[str, float]] = {}
    for label in labels:
        for s in data["runs"][label]["steps"]:
            if s["tool"] == "provision":
                table.setdefault((s["n"], s["name"]), {})[label] = s["wall_s"]
    for (n, name), by in sorted(table.items(), key=lambda kv: (kv[0][0], STEPS.index(kv[0][1]))):
        cells = " | ".join(f"{by[label]:.2f}" if label in by else "—" for label in labels)
        lines.append(f"| {n:,} | {name} | {cells} |")
    return [*lines, ""]


def _s(step: Step | None) -> str:
    return "—" if step is None else f"{step.wall_s:.2f} s"


def _mb(step: Step | None) -> str:
    return "—" if step is None else f"{step.rss_mb:.0f} MB"


def _ratio(p: Step | None, t: Step | None) -> str:
    if p is None or t is None or p.wall_s <= 0:
        return "—"
    return f"{t.wall_s / p.wall_s:.1f}×"


def _target(name: str, n: int, p: Step | None, t: Step | None = None) -> str:
    """The issue's targets that apply to this cell: time and memory bounds, and for creates,
    faster than terraform_data at every N measured and at least 5× faster at 1,000."""
    if p is None:
        return ""
    verdicts = []
    goal = TARGETS.get((name, n))
    if goal is not None:
        seconds, mb = goal
        ok = p.wall_s <= seconds and (mb is None or p.rss_mb <= mb)
        verdicts.append(f"{'met' if ok else 'missed'} (≤ {seconds:g} s" + (f", ≤ {mb:g} MB)" if mb else ")"))
    if name == "create" and t is not None:
        need = CREATE_SPEEDUP.get(n, 1.0)
        ok = t.wall_s >= p.wall_s * need and t.wall_s > p.wall_s
        verdicts.append(
            f"{'met' if ok else 'missed'} (faster than terraform" + (f", ≥ {need:g}×)" if need > 1 else ")")
        )
    return "; ".join(verdicts)


def _growth(steps: list[Step]) -> list[str]:
    """Milliseconds per resource at each N: flat (or falling, as start-up is amortised) means the
    cost grows linearly with N."""
    mine = [s for s in steps if s.tool == "provision"]
    sizes = sorted({s.n for s in mine})
    if len(sizes) < 2:
        return []
    lines = [
        "## Growth with N",
        "",
        "Wall milliseconds per resource (interpreter start-up included, so small N pay more). Linear cost "
        "shows as a flat row.",
        "",
        "| step | " + " | ".join(f"N = {n:,}" for n in sizes) + " |",
        "| --- |" + " ---: |" * len(sizes),
    ]
    for name in STEPS:
        by = {s.n: s.wall_s * 1000 / s.n for s in mine if s.name == name}
        if by:
            lines.append(f"| {name} | " + " | ".join(f"{by[n]:.2f}" if n in by else "—" for n in sizes) + " |")
    return [*lines, ""]
