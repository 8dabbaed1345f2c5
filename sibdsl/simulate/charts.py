"""Simulation (phase 6): a `Summary` -> charts (PNG and SVG files) and one self-contained HTML page.

Input: the summary of a simulation and the output directory. Output: `payments` (payments per
period and cumulative payments per payer against each money cap), `liability` (the cumulative
liability fan: p5-p95, p25-p75 and the median), `tranches` (capital released over time, where
the contract has tranches) and `investors` (each class's median net cash flow per period,
where the contract invests), each as .png and .svg, and `simulation.html` with the SVGs
inlined. matplotlib (Agg backend) is imported only here; money becomes float only for plotting.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from sibdsl.simulate.summary import Stat, Summary


def _f(x: Any) -> float:
    return float(x)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _ticks(ax: Any, summary: Summary) -> None:
    n = len(summary.periods)
    step = max(1, n // 12)
    ax.set_xticks(range(1, n + 1, step))
    ax.set_xlabel("settlement period")
    ax.grid(True, alpha=0.3)


def _money_axis(ax: Any, summary: Summary) -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(v: float, _pos: int) -> str:
        for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
            if abs(v) >= size:
                return f"{v / size:g}{unit}"
        return f"{v:g}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))
    ax.set_ylabel(summary.currency)


def _room_for_legend(ax: Any, share: float = 0.45) -> None:
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + (high - low) * share)


def _cap_label(summary: Summary, cap: Any) -> str:
    return f"{cap.label} (binds in {cap.binds * 100 / max(1, summary.scenarios):.0f}%)"


def _band(ax: Any, xs: list[int], stats: list[Stat], colour: str, label: str) -> None:
    ax.fill_between(xs, [_f(s.p5) for s in stats], [_f(s.p95) for s in stats], color=colour, alpha=0.18,
                    label=f"{label} p5-p95")
    ax.fill_between(xs, [_f(s.p25) for s in stats], [_f(s.p75) for s in stats], color=colour, alpha=0.35,
                    label=f"{label} p25-p75")
    ax.plot(xs, [_f(s.p50) for s in stats], color=colour, linewidth=2, label=f"{label} median")


def payments_chart(plt: Any, summary: Summary) -> Any:
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 8))
    xs = list(range(1, len(summary.periods) + 1))
    med = [_f(s.p50) for s in summary.period_total]
    low = [m - _f(s.p5) for m, s in zip(med, summary.period_total, strict=True)]
    high = [_f(s.p95) - m for m, s in zip(med, summary.period_total, strict=True)]
    top.bar(xs, med, color="#4477aa", yerr=[low, high], capsize=3, label="payments in the period (median, p5-p95)")
    for c in summary.caps:
        if c.money and c.scope == "period" and c.limit is not None:
            top.axhline(_f(c.limit), color="#cc3311", linestyle="--", label=_cap_label(summary, c))
    top.set_title("Payments per settlement period")
    _ticks(top, summary)
    _money_axis(top, summary)
    _room_for_legend(top)
    top.legend(fontsize=8, loc="upper left")
    colours = ["#228833", "#ee7733", "#aa3377", "#009988", "#bbbbbb", "#332288"]
    for k, p in enumerate(summary.payers):
        colour = colours[k % len(colours)]
        stats = summary.payer_cumulative[p]
        bottom.plot(xs, [_f(s.p50) for s in stats], color=colour, linewidth=2, label=f"{p} (median)")
        bottom.fill_between(xs, [_f(s.p5) for s in stats], [_f(s.p95) for s in stats], color=colour, alpha=0.2)
        for c in summary.caps:
            if c.key.startswith("payers.") and c.label.startswith(f"payer {p} ") and c.limit is not None:
                bottom.axhline(_f(c.limit), color=colour, linestyle=":", label=_cap_label(summary, c))
    if len(summary.payers) > 1:
        bottom.plot(xs, [_f(s.p50) for s in summary.cumulative], color="#000000", linewidth=2,
                    label="all payers (median)")
    for c in summary.caps:
        if c.money and c.scope == "contract" and c.limit is not None:
            bottom.axhline(_f(c.limit), color="#cc3311", linestyle="--", label=_cap_label(summary, c))
    bottom.set_title("Cumulative payments against the caps")
    _ticks(bottom, summary)
    _money_axis(bottom, summary)
    _room_for_legend(bottom, 0.12 * (2 * len(summary.payers) + 2))
    bottom.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def liability_chart(plt: Any, summary: Summary) -> Any:
    fig, ax = plt.subplots(figsize=(9, 5))
    xs = list(range(1, len(summary.periods) + 1))
    _band(ax, xs, summary.cumulative, "#4477aa", "liability")
    for c in summary.caps:
        if c.money and c.scope == "contract" and c.limit is not None:
            ax.axhline(_f(c.limit), color="#cc3311", linestyle="--", label=_cap_label(summary, c))
    ax.set_title(f"Cumulative liability, {summary.scenarios} scenarios")
    _ticks(ax, summary)
    _money_axis(ax, summary)
    _room_for_legend(ax)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def tranches_chart(plt: Any, summary: Summary) -> Any:
    fig, ax = plt.subplots(figsize=(9, 5))
    xs = list(range(1, len(summary.periods) + 1))
    _band(ax, xs, summary.released_cumulative, "#228833", "capital released")
    ax.set_title("Tranche draw-down: capital released to date")
    _ticks(ax, summary)
    _money_axis(ax, summary)
    ax.set_ylim(bottom=0)
    _room_for_legend(ax, 0.25)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def investors_chart(plt: Any, summary: Summary) -> Any:
    fig, ax = plt.subplots(figsize=(9, 5))
    count = len(summary.investors)
    width = 0.8 / max(1, count)
    colours = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377"]
    for k, inv in enumerate(summary.investors):
        xs = [i + 1 + (k - (count - 1) / 2) * width for i in range(len(inv.flows))]
        ax.bar(xs, [_f(s.p50) for s in inv.flows], width=width, color=colours[k % len(colours)],
               label=f"{inv.name} (median net flow)")
    ax.axhline(0, color="#000000", linewidth=0.8)
    ax.set_title("Investor cash flows per period (received minus drawn)")
    _ticks(ax, summary)
    _money_axis(ax, summary)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def write_charts(summary: Summary, out: Path, title: str) -> list[Path]:
    """Write the charts and the HTML page; returns the files written."""
    plt = _pyplot()
    charts: list[tuple[str, str, Any]] = [("payments", "Payments over time against each cap", payments_chart),
                                          ("liability", "Cumulative liability (percentile fan)", liability_chart)]
    if summary.tranches:
        charts.append(("tranches", "Tranche draw-down", tranches_chart))
    if summary.investors:
        charts.append(("investors", "Investor cash flows", investors_chart))
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    sections = []
    for name, heading, draw in charts:
        with plt.rc_context({"svg.hashsalt": "sibdsl-simulate"}):  # the same ids in the SVG from run to run
            fig = draw(plt, summary)
            try:
                fig.savefig(out / f"{name}.png", dpi=100)
                fig.savefig(out / f"{name}.svg", metadata={"Date": None})  # no date: the same run, the same bytes
            finally:
                plt.close(fig)
        written += [out / f"{name}.png", out / f"{name}.svg"]
        svg = (out / f"{name}.svg").read_text(encoding="utf-8")
        svg = svg[svg.find("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG is inlined
        sections.append(f"<section><h2>{html.escape(heading)}</h2>\n{svg}\n</section>")
    page = (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}svg{max-width:100%;height:auto}"
            "</style></head><body>\n"
            f"<h1>{html.escape(title)}</h1>\n<p>{summary.scenarios} scenarios, seed {summary.seed}. Bands: "
            "p5-p95 and p25-p75 of the scenarios; lines: medians; dashed lines: caps.</p>\n"
            + "\n".join(sections) + "\n</body></html>\n")
    (out / "simulation.html").write_text(page, encoding="utf-8")
    written.append(out / "simulation.html")
    return written
