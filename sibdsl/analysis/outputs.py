"""Analysis: verdicts as diagnostics, and the exact figures as text or Markdown.

Input: a compiled contract (`CompileResult`) and its `Exposure` and `Verdict`s. Output:
diagnostics (SIB720 proven, SIB711 refuted with its witness ledger written as CSV, SIB722
left to the search), `facts_text` for `sibc check --facts`, `report_markdown` for
`sibc report`, and `facts_json` for the JSON outputs. A figure that is only an upper bound
says so ("at most ..., an upper bound: the analysis stopped after 10 s").
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from sibdsl.analysis.budget import DEFAULT_TIME_LIMIT, WITNESS_CLAIMS
from sibdsl.analysis.exposure import LIABILITY_WITNESS_CLAIMS, Exposure, exposure
from sibdsl.analysis.investors import LEVELS, Figure, InvestorFigures
from sibdsl.analysis.verdicts import Verdict, verdicts
from sibdsl.compiler import CompileResult
from sibdsl.core.diagnostics import Diagnostic, DiagnosticSink
from sibdsl.core.source import Span
from sibdsl.model.contract import Cap, Contract


def analyse(result: CompileResult, time_limit: float = DEFAULT_TIME_LIMIT, shown: bool = False
            ) -> tuple[Contract | None, Exposure | None, list[Verdict]]:
    """The figures and verdicts of one compiled contract; the solver stops after `time_limit`
    seconds, leaving upper bounds and unknown verdicts ("the analysis stopped after 10 s").
    `shown`: the figures are shown (`--facts`, `sibc report`), so the liability's witness may
    be as large as any witness (`WITNESS_CLAIMS`), not only `LIABILITY_WITNESS_CLAIMS`."""
    model = result.model
    if model is None:
        return None, None, []
    found = exposure(model, time_limit, WITNESS_CLAIMS if shown else LIABILITY_WITNESS_CLAIMS)
    if shown and model.investors and model.invests:  # the waterfall and pyxirr load only here
        from sibdsl.analysis.investors import report

        found.investors = report(model, found, time_limit)
    return model, found, verdicts(model, found)


def tranche_diagnostics(result: CompileResult, found: Exposure) -> list[Diagnostic]:
    sink = DiagnosticSink(result.name)
    for index, possible, why in found.tranches:
        if not possible:
            name = result.model.tranches[index].name if result.model else str(index)
            sink.add("SIB723", f"tranche '{name}' can never be released: {why}",
                     result.spans.get(("tranches", index), Span(1, 1, 1, 1)),
                     hint="lower the condition, or check the caps and cohort sizes it depends on")
    return sink.items


def verdict_diagnostics(result: CompileResult, model: Contract, found: list[Verdict],
                        out_dir: Path | None, searched: bool = True) -> list[Diagnostic]:
    from sibdsl.settlement.output import decision_table, write_claims

    sink = DiagnosticSink(result.name)
    stem = Path(result.name).stem if result.name != "<stdin>" else "stdin"
    for v in found:
        span = result.spans.get(("assertions", v.index), Span(1, 1, 1, 1))
        if v.status == "proven":
            sink.add("SIB720", f"assertion proven: {v.assertion.text}; {v.reason}", span)
        elif v.status == "refuted":
            where = ""
            if out_dir is not None and v.witness:
                path = out_dir / f"{stem}-assertion-{v.index + 1}-witness.csv"
                write_claims(path, v.witness, model)
                where = f", written to {path}"
            decisions = v.decisions  # the witness as the verdict settled it
            table = decision_table(decisions[:40]) + ("\n..." if len(decisions) > 40 else "")
            detail = f"a witness ledger of {len(v.witness)} claims{where}, settled:\n{table}" if v.witness else None
            if v.assertion.kind in ("investor_loss", "investor_return"):
                sink.add("SIB711", f"assertion refuted by the exact analysis: {v.assertion.text}: {v.reason}", span,
                         hint="change the assertion or the investor's terms (its cap, its protections); settle the "
                              "witness with `sibc settle`", detail=_investor_detail(model, v, out_dir, stem, detail))
                continue
            sink.add("SIB711", f"assertion refuted by the exact analysis: {v.assertion.text}: {v.reason}", span,
                     hint="change the assertion or the caps it relies on; settle the witness with `sibc settle`"
                     if v.witness else "change the assertion or the tranche dates", detail=detail)
        else:
            then = ("the property search checked it instead" if searched else
                    "nothing else checked it (--no-search): run the property search")
            sink.add("SIB722", f"assertion not decided by the analysis: {v.reason}; {then}", span)
    return sink.items


def _investor_detail(model: Contract, v: Verdict, out_dir: Path | None, stem: str, claims: str | None) -> str:
    """The witness of an investor verdict: its claims (if any), its discretionary requests
    (written as a requests file beside the claims), and what the waterfall paid the investor."""
    from sibdsl.analysis.investors import maturity

    lines = [claims or "the witness has no claims (the empty ledger)"]
    if v.requests:
        where = ""
        if out_dir is not None:
            path = out_dir / f"{stem}-assertion-{v.index + 1}-requests.csv"
            _write_requests(path, v)
            where = f", written to {path}"
        lines.append(f"requests: {', '.join(f'{r.tranche} {r.amount:,.2f} on {r.requested}' for r in v.requests)}"
                     f"{where}")
    lines.append(f"released as of {maturity(model)} and run through the waterfall to maturity: {v.flows}")
    return "\n".join(lines)


def _write_requests(path: Path, v: Verdict) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["request_id", "tranche", "date", "amount", "purpose"])
        for r in v.requests:
            out.writerow([r.request_id, r.tranche, r.requested.isoformat(), f"{r.amount:f}", r.purpose])


def _m(model: Contract, x: Decimal | None) -> str:
    return "no limit" if x is None else f"{model.header.currency} {x:,.2f}"


def _limit(model: Contract, cap: Cap) -> str:
    """A cap's limit with its unit: GBP 1,000.00, 600 outcomes, 70% of paid outcomes."""
    if cap.measure == "money":
        return _m(model, cap.limit)
    if cap.measure == "share":
        return f"{cap.limit.normalize():f}% of {cap.share_words}"
    return f"{cap.limit.normalize():,f} outcomes"


def _participant_lines(model: Contract, found: Exposure) -> list[str]:
    """One line per cohort and sub-group: the most, and the outcomes that reach it."""
    lines = []
    for m in found.participants:
        nobody = "in no cohort (claims that name none)" if len(model.cohorts) > 1 else "any participant"
        who = (m.cohort or nobody) + (f", sub-group {m.subgroup}" if m.subgroup else "")
        cut = f" (outcomes worth {_m(model, m.uncapped)}, cut by the cap per participant)" \
            if m.uncapped > m.amount else ""
        reach = ", ".join(name + (f" x{times}" if times > 1 else "") for name, times in m.selection)
        if m.unbounded:
            lines.append(f"{who}: no limit ({m.note or 'an outcome can be paid any number of times and no cap limits it'})")
            continue
        if not m.exact:
            lines.append(f"{who}: at most {_m(model, m.amount)} (an upper bound: {m.note})" + (
                f"; the best found: {_m(model, m.reached)}, by {reach}" if reach else ""))
            continue
        lines.append(f"{who}: {_m(model, m.amount)}{cut}" + (f"; reached by {reach}" if reach else ""))
    return lines


def _most_text(model: Contract, found: Exposure) -> str:
    best = found.best
    if any(m.unbounded for m in found.participants):
        return "no limit"
    if best is not None and any(not m.exact for m in found.participants):
        return f"at most {_m(model, best.amount)} (an upper bound)"
    return _m(model, best.amount if best else None)


def settled_every(months: int) -> str:
    """`settled quarterly`, not `settled every 3 month(s)`."""
    return {1: "monthly", 3: "quarterly", 6: "half-yearly", 12: "yearly"}.get(months, f"every {months} months")


def _liability_why(found: Exposure) -> str | None:
    """Why the maximum liability is only an upper bound (None: exact, or no limit)."""
    if found.exact or found.liability is None:
        return None
    return found.bound_reason or (found.notes[0].split(": ", 1)[1] if found.notes else
                                  "no witness ledger settled by the engine reaches it")


def _period_text(model: Contract, found: Exposure) -> str:
    pm = found.period
    if pm is None or pm.most is None:
        return f"no limit: {found.set_by}"
    if pm.exact:
        return f"{_m(model, pm.most)}, set by {pm.set_by}"
    return f"at most {_m(model, pm.most)}, set by {pm.set_by} (an upper bound: {pm.bound})"


def _liability_text(model: Contract, found: Exposure) -> str:
    if found.liability is None:
        return f"no limit: {found.set_by}"
    why = _liability_why(found)
    if why is None:
        return f"{_m(model, found.liability)}, set by {found.set_by}"
    return f"at most {_m(model, found.liability)}, set by {found.set_by} (an upper bound: {why})"


def _payer_why(found: Exposure, payer: str) -> str | None:
    """Why a payer's figure is only an upper bound (None: exact, or no limit)."""
    bound = found.payer_bounds.get(payer)
    most, why = found.payers[payer]
    if most is None or (bound is not None and bound.exact):
        return None
    return found.payer_why.get(payer) or why or "no witness ledger settled by the engine reaches it"


def _payer_text(model: Contract, found: Exposure, payer: str) -> str:
    most, why = found.payers[payer]
    bound = _payer_why(found, payer)
    if bound is None:
        return f"{_m(model, most)} ({why})"
    if bound == why:
        return f"at most {_m(model, most)} (an upper bound: {why})"
    return f"at most {_m(model, most)} ({why}; an upper bound: {bound})"


def facts_lines(model: Contract, found: Exposure) -> list[str]:
    lines = [f"most one participant can be paid: {_most_text(model, found)}"]
    lines += [f"  {line}" for line in _participant_lines(model, found)]
    lines.append(f"maximum liability: {_liability_text(model, found)}")
    for name, value in found.bounds:
        lines.append(f"  limit: {name}: {_m(model, value)}")
    lines.append(f"most paid in one settlement period: {_period_text(model, found)}")
    lines.append("most each payer can owe:")
    for payer in found.payers:
        lines.append(f"  {payer}: {_payer_text(model, found, payer)}")
    lines.append("caps:")
    for c in found.caps:
        name = f"cap {c.scope}" + (f" {c.target}" if c.target else "")
        lines.append(f"  {name} ({_limit(model, model.caps[c.index])}): {c.when}" + ("" if c.binds else "  [redundant]"))
    if found.never_paid:
        lines.append("outcomes that can never be paid: " + ", ".join(found.never_paid))
    lines += [f"note: {note}" for note in found.notes]
    lines += investor_lines(model, found)
    if found.tranches:
        lines.append("tranches on conditions:")
        for index, possible, why in found.tranches:
            lines.append(f"  {model.tranches[index].name}: {'can be released' if possible else 'never released'}: {why}")
    return lines


def facts_json(model: Contract, found: Exposure, found_verdicts: list[Verdict]) -> dict[str, Any]:
    def s(x: Decimal | None) -> str | None:
        return None if x is None else str(x)

    def limit_bound(name: str, value: Decimal) -> str | None:
        if found.exact and name == found.set_by and value == found.liability:
            return None
        return "one limit on the total: the maximum liability is the least of them" if name != found.set_by \
            else _liability_why(found)

    # every figure: `exact` (a witness ledger settled by the engine reaches it) and, when it is
    # only an upper bound, `bound` (why); a figure with no limit has amount null
    return {
        "participant_max": [{"cohort": m.cohort, "subgroup": m.subgroup, "amount": s(m.amount),
                             "uncapped": s(m.uncapped), "outcomes": dict(m.selection), "unbounded": m.unbounded,
                             "exact": m.exact and not m.unbounded, "reached": s(m.reached),
                             "bound": None if m.exact and not m.unbounded else (m.note or "no limit"),
                             "note": m.note or None}
                            for m in found.participants],
        "analysis_stopped": found.stopped, "notes": found.notes,
        "liability": s(found.liability), "liability_set_by": found.set_by,
        "liability_exact": found.exact and found.liability is not None,
        "liability_bound": _liability_why(found) if found.liability is not None else f"no limit: {found.set_by}",
        "liability_witness_participants": found.witness_participants,
        "period_max": None if found.period is None else {
            "amount": s(found.period.most), "set_by": found.period.set_by,
            "exact": found.period.exact, "bound": None if found.period.exact else found.period.bound,
            "reached": s(found.period.reached) if found.period.witness else None},
        "limits": [{"limit": n, "amount": s(v), "exact": limit_bound(n, v) is None, "bound": limit_bound(n, v)}
                   for n, v in found.bounds],
        "payers": {p: {"max": s(most), "why": why, "exact": _payer_why(found, p) is None and most is not None,
                       "bound": _payer_why(found, p) if most is not None else "no limit"}
                   for p, (most, why) in found.payers.items()},
        "caps": [{"index": c.index, "scope": c.scope, "target": c.target, "binds": c.binds, "when": c.when}
                 for c in found.caps],
        "never_paid": found.never_paid,
        "tranches": [{"tranche": model.tranches[i].name, "can_be_released": ok, "why": why}
                     for i, ok, why in found.tranches],
        "assertions": [{"assertion": v.assertion.text, "verdict": v.status, "reason": v.reason}
                       for v in found_verdicts],
        "investors": investors_json(found),
    }


def _warning_lines(diagnostics: list[Diagnostic]) -> list[str]:
    """Each warning (and error) `sibc check` gives from compiling and analysing the file."""
    from sibdsl.core.diagnostics import Severity

    return [f"{d.severity.value} {d.code} (line {d.span.line}): {d.message}"
            + (f"; hint: {d.hint}" if d.hint else "")
            for d in sorted(diagnostics, key=lambda d: (d.span.line, d.span.column, d.code))
            if d.severity in (Severity.WARNING, Severity.ERROR)]


def report_markdown(model: Contract, found: Exposure, found_verdicts: list[Verdict], name: str,
                    diagnostics: list[Diagnostic] | None = None) -> str:
    """The report; `diagnostics` are the compile result's and the analysis's (their warnings go
    in Risks, as `sibc check` would print them)."""
    h = model.header
    past = (f", run-off {h.run_off.amount} {h.run_off.unit}" if h.run_off is not None else "") + \
        (f", claims until {h.claims_until}" if h.claims_until is not None else "")
    lines = [f"# {h.title}", "", f"`{name}` — {h.currency}, term {h.term_start} to {h.term_end}{past}, "
             f"settled {settled_every(h.settlement_months)} in {h.settlement_timing}.", "",
             "## What it can cost", ""]
    lines.append(f"- **The most one participant can be paid: {_most_text(model, found)}**")
    lines += [f"  - {line}" for line in _participant_lines(model, found)]
    lines.append(f"- **Maximum liability: {_liability_text(model, found)}**")
    lines.append(f"- Most paid in one settlement period: {_period_text(model, found)}")
    lines += ["", "## Who pays", "", "| payer | share | most it can owe | set by |", "|---|---:|---:|---|"]
    for p in model.payers:
        most, why = found.payers[p.name]
        bound = _payer_why(found, p.name)
        shown = _m(model, most) if bound is None else f"at most {_m(model, most)}"
        why = why if bound is None else why + " (an upper bound)" if bound == why else f"{why} (an upper bound: {bound})"
        lines.append(f"| {p.title} ({p.name}) | {p.share.normalize():f}{'...' if p.ratio else ''}% | {shown} | {why} |")
    lines += ["", "## Caps", "", "| cap | limit | binds? |", "|---|---:|---|"]
    for c in found.caps:
        lines.append(f"| {c.scope}{' ' + c.target if c.target else ''} | {_limit(model, model.caps[c.index])} | "
                     f"{c.when} |")
    lines += ["", "## Limits on the total", ""]
    lines += [f"- {n}: {_m(model, v)}" for n, v in found.bounds] or ["- none: the total has no limit"]
    lines += ["", "## Risks", ""]
    risks = _warning_lines(diagnostics or [])
    if found.liability is None:
        risks.append("The total liability has no limit: add a contract cap or cohort sizes.")
    risks += [f"Outcome `{n}` can never be paid." for n in found.never_paid]
    if not any(d.code == "SIB723" for d in diagnostics or []):
        risks += [f"Tranche `{model.tranches[i].name}` can never be released: {why}."
                  for i, possible, why in found.tranches if not possible]
    risks += [f"Cap {c.scope}{' ' + c.target if c.target else ''} never binds (redundant)."
              for c in found.caps if not c.binds]
    risks += [f"The analysis is incomplete: {note}." for note in found.notes]
    if not found.exact and found.liability is not None and not found.notes:
        risks.append(f"The maximum liability is an upper bound: {_liability_why(found)}.")
    lines += [f"- {r}" for r in risks] or ["- none found by the compiler or the analysis (the property "
                                           "search of `sibc check` is not run here)"]
    if found.tranches:
        lines += ["", "## Tranches on conditions", ""]
        lines += [f"- {model.tranches[i].name}: {'can be released' if ok else 'can never be released'}: {why}"
                  for i, ok, why in found.tranches]
    lines += investor_section(model, found)
    if found_verdicts:
        lines += ["", "## Assertions", "", "| assertion | verdict | why |", "|---|---|---|"]
        lines += [f"| {v.assertion.text} | {v.status} | {v.reason} |" for v in found_verdicts]
    return "\n".join(lines) + "\n"


def _figure_text(model: Contract, f: Figure, what: str = "") -> str:
    """`USD 2,400,000.00 (exact: reached by ...)` or `at most USD X (an upper bound: why)`."""
    if f.amount is None:
        return f"no limit ({f.why})"
    if f.exact:
        return f"{_m(model, f.amount)}{what} (exact: {f.why})"
    return f"at most {_m(model, f.amount)}{what} (an upper bound: {f.why})"


def _share_text(f: InvestorFigures) -> str:
    if f.loss_share is None:
        return ""
    return f"{f.loss_share:f}% of the principal drawn" + ("" if f.loss_share_exact else " at most")


def _percent(x: Decimal | None) -> str:
    return "n/a" if x is None else f"{x:f}%"


def investor_lines(model: Contract, found: Exposure) -> list[str]:
    """The investor figures for `sibc check --facts` (none where the contract does not invest)."""
    from sibdsl.settlement.returns import irr_text, multiple_text

    report = found.investors
    if report is None:
        return []
    lines = ["investors (each figure an upper bound unless exact; loss at maturity):"]
    for f in report.figures.values():
        rank = f"rank {f.rank}" if f.rank is not None else "no rank"
        lines.append(f"  {f.name} ({rank}): can draw at most {_m(model, f.drawable)} ({f.drawable_why})")
        lines.append(f"    worst case: loses {_figure_text(model, f.loss)}; {_share_text(f)}")
        lines.append(f"    best case: receives {_figure_text(model, f.received)}; earns "
                     f"{_figure_text(model, f.earned)}" + (f"; return capped at {f.cap.normalize():f}% a year"
                                                          if f.cap is not None else "; return not capped"))
        out = report.outlook
        if out is not None and f.name in out.levels:
            lines.append(f"    break-even: {out.break_even.get(f.name, 'n/a')}")
            lines.append("    at outcome levels: " + ", ".join(
                f"{lv.percent}%: {multiple_text(lv.multiple)} IRR {irr_text(lv.irr)}" for lv in out.levels[f.name]))
    if report.outlook is not None:
        lines.append(f"  outcome level x%: the first x% of the {report.outlook.participants:,} participants of "
                     f"{report.outlook.source}, every discretionary tranche requested in full on the term's first day")
    else:
        lines.append("  no returns at outcome levels: no witness ledger of the maximum liability within the limits")
    return lines


def investors_json(found: Exposure) -> list[dict[str, Any]] | None:
    report = found.investors
    if report is None:
        return None

    def fig(f: Figure) -> dict[str, Any]:
        return {"amount": None if f.amount is None else str(f.amount), "exact": f.exact and f.amount is not None,
                "bound": None if f.exact else f.why, "reached": None if f.reached is None else str(f.reached)}

    out = []
    for f in report.figures.values():
        entry: dict[str, Any] = {
            "investor": f.name, "rank": f.rank, "drawable": str(f.drawable), "max_loss": fig(f.loss),
            "max_loss_percent": None if f.loss_share is None else str(f.loss_share),
            "max_loss_percent_exact": f.loss_share_exact, "max_received": fig(f.received),
            "max_earned": fig(f.earned), "return_cap": None if f.cap is None else str(f.cap)}
        o = report.outlook
        if o is not None and f.name in o.levels:
            level = o.break_even_level.get(f.name)
            entry["break_even"] = {"level_percent": None if level is None else str(level),
                                   "words": o.break_even.get(f.name)}
            entry["levels"] = [{"percent": lv.percent, "participants": lv.participants, "drawn": str(lv.drawn),
                                "received": str(lv.received), "loss": str(lv.loss),
                                "multiple": None if lv.multiple is None else str(lv.multiple),
                                "irr": lv.irr} for lv in o.levels[f.name]]
        out.append(entry)
    return out


def investor_section(model: Contract, found: Exposure) -> list[str]:
    """The report's investor section: what each class can lose and earn, its break-even
    outcome level, and the table of returns at the outcome levels."""
    from sibdsl.settlement.returns import irr_text, multiple_text

    report = found.investors
    if report is None:
        return []
    lines = ["", "## Investors", "", "Each figure is an upper bound over every ledger the contract accepts, unless "
             "marked exact (a witness ledger, settled and run through the waterfall to maturity, reaches it). "
             "Losses are of principal, at maturity, after the guarantees.", "",
             "| class | rank | can draw | worst case: loses | best case: receives | earns on top | return cap |",
             "|---|---:|---:|---|---|---|---:|"]
    for f in report.figures.values():
        loss = _figure_text(model, f.loss) + (f", {_share_text(f)}" if f.loss_share is not None else "")
        cap = f"{f.cap.normalize():f}% a year" if f.cap is not None else "none"
        lines.append(f"| {f.title} ({f.name}) | {f.rank if f.rank is not None else '-'} | {_m(model, f.drawable)} | "
                     f"{loss} | {_figure_text(model, f.received)} | {_figure_text(model, f.earned)} | {cap} |")
    o = report.outlook
    if o is None:
        lines += ["", "No table of returns at outcome levels: no witness ledger reaches the maximum liability within "
                  "the analysis's limits."]
        return lines
    lines += ["", "### Returns at outcome levels", "",
              f"Outcome level x% is the first x% of the {o.participants:,} participants of {o.source} (in the order "
              "they first claim, rounded down), with all their claims, settled, every discretionary tranche "
              "requested in full on the term's first day, and run through the waterfall to maturity.", "",
              "| class | break-even | " + " | ".join(f"{p}%" for p in LEVELS) + " |",
              "|---|---|" + "---:|" * len(LEVELS)]
    for f in report.figures.values():
        cells = [f"{multiple_text(lv.multiple)}, IRR {irr_text(lv.irr)}" for lv in o.levels.get(f.name, [])]
        lines.append(f"| {f.name} | {o.break_even.get(f.name, 'n/a')} | " + " | ".join(cells) + " |")
    return lines
