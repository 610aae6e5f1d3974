"""The report: ``report.md`` (machine, targets, one section per benchmark), ``results.json``, PNGs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from .common import Section, Target, fmt, md_table, write_json

log = logging.getLogger(__name__)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ---------------------------------------------------------------- charts


def quality_chart(results: dict, path: Path) -> Path | None:
    """Grouped bars per pipeline: R@5 English, R@5 Chinese, MRR@10 (one panel per question set)."""
    if not results:
        return None
    plt = _pyplot()
    sets = list(results)
    fig, axes = plt.subplots(1, len(sets), figsize=(7 * len(sets), 4.2), squeeze=False)
    for ax, set_name in zip(axes[0], sets, strict=True):
        rows = results[set_name]
        names = list(rows)
        metrics = [
            ("R@5 en", lambda r: r.get("en", {}).get("r5", 0.0)),
            ("R@5 zh", lambda r: r.get("zh", {}).get("r5", 0.0)),
            ("MRR@10", lambda r: r["all"]["mrr"]),
        ]
        width = 0.8 / len(metrics)
        for j, (label, get) in enumerate(metrics):
            xs = [i + (j - 1) * width for i in range(len(names))]
            ax.bar(xs, [get(rows[n]) for n in names], width, label=label)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([n.replace("-", "\n") for n in names], fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(f"{set_name} ({rows[names[0]]['n']} questions)")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def refusal_chart(curve: Sequence[dict], configured: float | None, path: Path) -> Path | None:
    """Near-miss questions refused and answerable ones answered, per language, against the
    coverage threshold."""
    if len(curve) < 2:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    xs = [c["threshold"] for c in curve]
    lines = [
        ("test_near", "zh", "near-miss refused (zh)", "-", "tab:red"),
        ("test_near", "en", "near-miss refused (en)", "--", "tab:red"),
        ("validation", "zh", "validation answered (zh)", "-", "tab:blue"),
        ("validation", "en", "validation answered (en)", "--", "tab:blue"),
    ]
    for group, lang, label, style, colour in lines:
        ys = [c["rates"].get(group, {}).get(lang, {}).get("rate") for c in curve]
        if any(y is not None for y in ys):
            ax.plot(xs, [float("nan") if y is None else y for y in ys], style, marker="o",
                    color=colour, label=label)
    ax.axhline(0.90, color="tab:red", linewidth=0.6, alpha=0.5)
    ax.axhline(0.95, color="tab:blue", linewidth=0.6, alpha=0.5)
    if configured is not None:
        ax.axvline(configured, color="grey", linewidth=0.8, linestyle=":", label="configured")
    ax.set_xlabel("coverage threshold")
    ax.set_ylim(0, 1.02)
    ax.set_title("refusals end to end")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def scale_chart(rows: Sequence[dict], path: Path) -> Path | None:
    """Search latency (p50, p95) and resident memory against the number of chunks."""
    rows = [r for r in rows if r.get("search")]
    if not rows:
        return None
    plt = _pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for vectors, marker in (("model", "o"), ("composed", "s")):
        sel = sorted(
            (r for r in rows if r["vectors"] == vectors),
            key=lambda r: r["chunks"],
        )
        if not sel:
            continue
        xs = [r["chunks"] for r in sel]
        a.plot(
            xs, [r["search"]["p50"] for r in sel], marker=marker, label=f"p50 ({vectors} vectors)"
        )
        a.plot(
            xs,
            [r["search"]["p95"] for r in sel],
            marker=marker,
            linestyle="--",
            label=f"p95 ({vectors} vectors)",
        )
        b.plot(xs, [r["rss_peak_mib"] for r in sel], marker=marker, label=f"peak RSS ({vectors})")
    a.axhline(150, color="red", linewidth=0.8, label="target p95 at 100k")
    b.axhline(2048, color="red", linewidth=0.8, label="target 2 GB at 100k")
    for ax, title, unit in ((a, "search latency", "ms"), (b, "memory of the process", "MiB")):
        ax.set_xscale("log")
        ax.set_xlabel("chunks in the index")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def latency_chart(series: dict[str, list[float]], path: Path) -> Path | None:
    """Box plots of per-call latencies (ms) of each measured operation."""
    series = {k: v for k, v in series.items() if v}
    if not series:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(series) + 1.6))
    ax.boxplot(list(series.values()), vert=False, whis=(5, 95), showfliers=False)
    ax.set_yticks(range(1, len(series) + 1))
    ax.set_yticklabels(list(series))
    ax.set_xlabel("ms (box: p25–p75, whiskers: p5–p95)")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------- Markdown


def _verdict(t: Target) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[t.met]


def targets_table(targets: Sequence[Target]) -> str:
    rows = []
    for t in targets:
        op = "≥" if t.higher_is_better else "≤"
        value = fmt(t.value, 0 if t.value is not None and abs(t.value) >= 100 else 1)
        rows.append(
            [
                t.name,
                f"{op} {t.limit:,g} {t.unit}",
                f"{value} {t.unit}" if t.value is not None else "–",
                _verdict(t),
                t.note,
            ]
        )
    return md_table(["target", "limit", "measured", "verdict", "note"], rows)


def machine_line(machine: dict) -> str:
    load = ", ".join(str(x) for x in machine.get("load_average", []))
    return (
        f"{machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"{machine['ram_gib']} GiB RAM, Python {machine['python']}, {machine['os']}; "
        f"load average at start {load or '–'}"
    )


def write_report(
    out: Path,
    sections: Sequence[Section],
    machine: dict,
    *,
    quick: bool,
    command: str,
    load_end: Sequence[float] = (),
) -> Path:
    """Write ``report.md`` and ``results.json`` into ``out``; returns the report's path."""
    out.mkdir(parents=True, exist_ok=True)
    targets = [t for s in sections for t in s.targets]
    lines = [
        "# policybot benchmark report",
        "",
        f"Machine: {machine_line(machine)}"
        + (f"; at the end {', '.join(map(str, load_end))}" if load_end else "")
        + ".",
        "",
        f"Run: `{command}` on {machine['date']}"
        + (
            " — **quick mode** (smoke run: tiny sizes, few repetitions; figures are not meaningful)"
            if quick
            else ""
        )
        + ". All comparisons are ratios or side-by-side figures from this one run; the machine "
        "is shared and noisy, so absolute times vary between runs.",
        "",
        "## Targets",
        "",
        targets_table(targets) if targets else "No target was measured in this run.",
        "",
    ]
    for s in sections:
        lines += [f"## {s.title}", ""]
        if s.status != "ok":
            lines += [f"Status: **{s.status}**", ""]
        if s.body:
            lines += [s.body, ""]
        for fig in s.figures:
            lines += [
                f"![{s.key}]({Path(fig).relative_to(out) if Path(fig).is_relative_to(out) else fig})",
                "",
            ]
        if s.seconds:
            lines += [f"_({s.key} benchmark took {s.seconds:,.0f} s)_", ""]
    report = out / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    write_json(
        out / "results.json",
        {
            "machine": machine,
            "quick": quick,
            "command": command,
            "load_average_end": list(load_end),
            "targets": [t.to_json() for t in targets],
            "sections": {
                s.key: {"status": s.status, "seconds": round(s.seconds, 1), "data": s.data}
                for s in sections
            },
        },
    )
    return report
