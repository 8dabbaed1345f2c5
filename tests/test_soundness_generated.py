"""Soundness of the analysis over generated contracts (issue 8, item 5: "Proof, in tests").

A seeded generator writes contracts that use every construct of the grammar that bears on
payment: every tariff shape (fixed, per sub-group with and without `otherwise`, tiered
bands closed and open, with bands of zero, bands with their own caps and tiers counted within
a sub-group, sliding scales, cohort-level), every repeat form (`once`,
`once per participant`, `up to N times`, `unlimited`), ladders (`after X at least D by E`),
windows (of start, of referral), `only k of` groups, `for cohort`, indexation, every cap
scope and measure with both behaviours, payer `at most` and `cap payer`, one to three payers
with shares that round, rounding rules and units with `remainder to`, cohorts with sizes,
referral windows and sub-groups, tranches, and assertions of every kind. Only contracts that
compile without errors are kept (the others are counted).

For each contract the analysis (`exposure`, `verdicts`) gives its figures; then adversarial
ledgers are settled by the engine: every participant up to and beyond each cohort's size,
claiming every outcome as often as allowed and more, ladder steps at the minimum delays,
sliding-scale values at and between the points, measurements for cohort-level outcomes, in
several date orders. Checked: no settlement pays more than a figure the analysis gave (per
participant, per payer, in total); no proven assertion is broken; every refuted verdict's
witness, settled, breaks its assertion; an exact per-participant figure is reached by the
witness ledger the analysis returns for it, and an exact liability by its cohort witness
(exact payer figures not reached by any ledger are counted and printed, not failed).

Coverage: the constructs of each kept contract are read from its compiled model; the table
is printed at the end of a run and a construct never generated fails the run.

A real soundness bug found by this harness is pinned as strict xfail reproducers and its
pattern excluded from the random profile through KNOWN_UNSOUND until it is fixed; the one found
so far (a price that varies under a `then reject` money cap) is fixed and its reproducers are
regression tests.
"""

from __future__ import annotations

import decimal
import random
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

import pytest

from sibdsl.analysis.budget import WITNESS_CLAIMS
from sibdsl.analysis.exposure import LIABILITY_WITNESS_CLAIMS, WITNESS, Exposure, exposure
from sibdsl.analysis.periods import most_in_a_period
from sibdsl.analysis.verdicts import Verdict, verdicts
from sibdsl.analysis.witness import participant_claims
from sibdsl.compiler import compile_text
from sibdsl.core.calendar import DurationLike, add_duration
from sibdsl.model.contract import Contract, Outcome, PerUnitTariff, SlidingTariff, TieredTariff, best_value
from sibdsl.model.pastterm import last_day, last_day_for
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.records import Claim, Measurement, Request, Status
from sibdsl.settlement.waterfall import WaterfallResult

TERM_START, TERM_END = date(2020, 1, 1), date(2022, 12, 31)

# ---------------------------------------------------------------- the generator


def _money(rng: random.Random, choices: list[str]) -> str:
    return f"GBP {rng.choice(choices)}"


def generate(rng: random.Random) -> str:
    """One contract's text (it may not compile: the caller keeps only those that do)."""
    lines = [f'contract "Generated {rng.randrange(10**6)}" version 1', "currency GBP",
             f"term {TERM_START} to {TERM_END}"]
    n_payers = rng.choice([1, 2, 2, 3])
    payers = ["pa", "pb", "pc"][:n_payers]
    if rng.random() < 0.7:
        mode = rng.choice(["half up", "half even", "half down", "down", "up"])
        unit = rng.choice(["0.01", "0.01", "1", "5", "0.05"])
        rem = rng.choice(["", "", f" remainder to {rng.choice(payers)}", " remainder to the largest share"])
        split = rng.choice(["", "", " per invoice", " per invoice", " per claim"])  # issue 10.6a
        lines.append(f"rounding {mode} to GBP {unit}{split}{rem}")
    if rng.random() < 0.5:
        lines.append(f"settled {rng.choice(['monthly', 'quarterly', 'half-yearly', 'yearly', 'annually'])}")
    run_off = rng.choice([None, None, "3 months", "6 months", "1 year", "45 days"])
    if run_off is not None:
        lines.append(f"run-off {run_off}")
    if rng.random() < 0.3:  # a deadline on or after the last day an outcome can be achieved
        lines.append(f"claims until {rng.choice(['2024-06-30', '2024-01-15'] if run_off else ['2023-01-31', '2022-12-31'])}")
    # exact ratio shares (100% / 3, 100% * 2 / 3) and shares in proportion to the payers'
    # maxima (issue 10.6b): "max" pays in proportion to its maximum, which it must state
    shares = {1: [["100%"]], 2: [["50%", "50%"], ["70%", "30%"], ["66.67%", "33.33%"], ["60%", "40%"],
                                 ["100% * 2 / 3", "100% / 3"], ["max", "max"], ["40%", "max"],
                                 # shares per phase and per outcome, a top-up payer of one outcome (10.6c/d)
                                 ["30% until 2020-12-31, then 70%", "70% until 2020-12-31, then 30%"],
                                 ["100%, pays 60% of o0 payments", "40% of o0 payments"]],
              3: [["40%", "30%", "30%"], ["33.34%", "33.33%", "33.33%"], ["50%", "25%", "25%"],
                  ["100% / 3", "100% / 3", "100% / 3"], ["max", "max", "max"], ["50%", "max", "max"],
                  ["40% until 2021-06-30, then 100% / 3", "30% until 2021-06-30, then 100% / 3",
                   "30% until 2021-06-30, then 100% / 3"],
                  ["50%, pays 100% / 3 of o0 payments", "50%, pays 100% / 3 of o0 payments",
                   "100% / 3 of o0 payments until 2021-01-01, then 0%"]]}[n_payers]
    for name, share in zip(payers, rng.choice(shares), strict=True):
        cap = rng.choice(["", "", "", ", at most GBP 150", ", at most GBP 400", ", at most GBP 1,000"])
        if share == "max":
            cap = cap or rng.choice([", at most GBP 150", ", at most GBP 400", ", at most GBP 1,000"])
            pays = " pays in proportion to its maximum"
        else:
            pays = f" pays {share}" if n_payers > 1 or rng.random() < 0.5 else ""
        lines.append(f'payer {name} "{name.upper()}"{pays}{cap}')
    # cohorts: sizes, referral windows, sub-groups
    n_cohorts = rng.choice([1, 1, 2])
    cohorts: list[str] = []
    subgroups: dict[str, list[str]] = {}
    for i in range(n_cohorts):
        name = f"c{i}"
        cohorts.append(name)
        text = f'cohort {name} "Cohort {i}"'
        if rng.random() < 0.85:
            text += f" at most {rng.choice([1, 2, 3])} participants"
        if rng.random() < 0.3:
            text += " referred 2020-01-01 to 2020-12-31"
        subs = [f"s{i}{j}" for j in range(rng.choice([0, 0, 1, 2]))]
        subgroups[name] = subs
        text += "".join(f' subgroup {s} "Sub {s}"' for s in subs)
        if n_cohorts > 1:
            text += f" separate from {', '.join(c for c in ['c0', 'c1'] if c != name)}"
        lines.append(text)
    all_subs = [s for subs in subgroups.values() for s in subs]
    # outcomes
    n_outcomes = rng.choice([1, 2, 3, 3, 4])
    names = [f"o{i}" for i in range(n_outcomes)]
    participant_level: list[str] = []
    timed: list[str] = []  # steps with a delay after a prerequisite: a reset can restart them
    cohort_level: list[str] = []
    for i, name in enumerate(names):
        kinds = ["fixed", "fixed", "tiered", "sliding", "per_unit", "cohort"] + (["subgroup", "subgroup"] if all_subs
                                                                                else [])
        kind = rng.choice(kinds)
        parts = [f'outcome {name} "Outcome {i}"']
        if kind == "fixed":
            parts.append(f"pays {_money(rng, ['100', '250', '333', '7', '99.99', '1,000'])}")
            if n_payers > 1 and rng.random() < 0.2:  # a top-up on the price (issue 10.6d)
                parts.append(f"plus {_money(rng, ['50', '33.33', '200'])} from {rng.choice(payers)}")
        elif kind == "subgroup":
            chosen = rng.sample(all_subs, rng.randint(1, len(all_subs)))
            prices = ", ".join(f"{_money(rng, ['120', '300', '450.50'])} for {s}" for s in chosen)
            other = f" otherwise {_money(rng, ['80', '200'])}" if rng.random() < 0.6 else ""
            parts.append(f"pays {prices}{other}")
        elif kind == "tiered":
            tier = rng.choice(["pays tiered GBP 300 for outcomes 1 to 2, GBP 100 from outcome 3 onwards",
                               "pays tiered GBP 100 for 1 to 1, GBP 250 for 2 to 3",
                               "pays tiered GBP 50 for 1 to 3, GBP 500 from 4",
                               # issue 10.4: thresholds (a band of zero), a band's own cap
                               "pays tiered GBP 0 for outcomes 1 to 2, GBP 300 from outcome 3 onwards",
                               "pays tiered GBP 0 for 1 to 1, GBP 250 from 2, at most GBP 400",
                               "pays tiered GBP 300 for 1 to 2, at most GBP 450, GBP 100 from 3",
                               "pays tiered GBP 0 for 1 to 1, GBP 333 for 2 to 3 at most GBP 500, GBP 99.99 from 4"])
            if all_subs and rng.random() < 0.4:  # a tier counted within one sub-group
                tier += f", counted within subgroup {rng.choice(all_subs)}"
            parts.append(tier)
        elif kind == "sliding":
            parts.append(rng.choice(['pays GBP 400 scaled by "score": 0% at 1, 100% at 3',
                                     'pays GBP 333 on a sliding scale of "rate": 20% at 50%, 50% at 70%, 100% at 90%']))
        elif kind == "per_unit":
            parts.append(rng.choice(["pays GBP 50 per week, up to 26 weeks", "pays GBP 12.50 per day, up to 30 days",
                                     "pays GBP 333 per month, up to 6 months"]))
        else:
            parts.append(rng.choice(['pays GBP 1,000 per 1% reduction in "events" against baseline threshold 5%',
                                     'pays GBP 50 per 1 increase in "score" against comparison group',
                                     'pays GBP 300 per 10% increase in "rate" against baseline']))
        if kind != "cohort":
            participant_level.append(name)
        else:
            if n_cohorts > 1 and rng.random() < 0.5:
                parts.append(f"pooled over {', '.join(cohorts)}")
            netted = [n for n in cohort_level if rng.random() < 0.6] + ([name] if rng.random() < 0.3 else [])
            if netted:
                parts.append(f"net of {', '.join(netted)}")
            cohort_level.append(name)
        repeat = rng.choice(["", "once", "once per participant", "up to 2 times", "up to 3 times per participant",
                             "unlimited"])
        if repeat:
            parts.append(repeat)
        earlier = [p for p in participant_level if p != name]
        if kind != "cohort" and earlier and rng.random() < 0.5:
            pre = rng.choice(earlier)
            delay = rng.choice(["", " at least 1 month", " at least 3 months", " at least 2 weeks by 6 months"])
            form = rng.random()
            if form < 0.4 or (len(earlier) < 2 and form < 0.6):
                parts.append(f"after {pre}{delay}")
            elif form < 0.6:  # options (issue 10.2): either one paid, each with its own delays
                other = rng.choice([e for e in earlier if e != pre])
                second = rng.choice(["", " at least 2 months", " by 4 months"])
                parts.append(f"after {pre}{delay} or {other}{second}")
            elif form < 0.8:  # a step payable where the participant held the entry at referral
                parts.append(f"after {pre}{delay}, or held at referral")
            else:  # an optional prerequisite: its delay binds only once it is paid
                parts.append(f"after {pre}{rng.choice([' at least 1 month', ' by 2 months', ' at least 2 weeks by 3 months'])}"
                             " if paid")
            if re.search(r"at least|by", parts[-1]):  # a delay: a reset can restart this step
                timed.append(name)
        if kind != "cohort" and rng.random() < 0.25:  # deadweight (issue 10.3)
            parts.append("not if held at referral")
        if kind != "cohort" and rng.random() < 0.25:
            parts.append(rng.choice(["within 12 months", "within 18 months of start", "within 9 months of referral",
                                     "within 1 month of referral"]))
        if (n_cohorts > 1 or kind == "cohort") and rng.random() < 0.4 and not any("pooled" in p for p in parts):
            parts.append(f"for cohort {rng.choice(cohorts)}")
        if rng.random() < 0.2:
            parts.append(rng.choice(["indexed 2% a year", "indexed 10% each year from 2020-06-01",
                                     "indexed 0% - 5% a year"]))
        lines.append(" ".join(parts))
    if timed and rng.random() < 0.6:  # a sustainment clock that resets (issue 10.1)
        lines.append(f'reset lost "Lost" restarts {", ".join(rng.sample(timed, rng.randint(1, len(timed))))}')
    if len(names) >= 2 and rng.random() < 0.4:
        members = rng.sample(names, rng.randint(2, len(names)))
        k = rng.randint(1, len(members) - 1)
        lines.append(f"only {'one' if k == 1 and rng.random() < 0.5 else k} of {', '.join(members)} per participant")
    # caps: each scope (and each measure of an outcome / sub-group / cohort) at most once

    def behaviour() -> str:
        return rng.choice(["", " then reject", " then pay in part"])

    if rng.random() < 0.35:
        lines.append(f"cap per participant {_money(rng, ['300', '500', '1,000'])}{behaviour()}")
    for name in rng.sample(names, min(len(names), rng.choice([0, 1, 2]))):
        if rng.random() < 0.6:
            lines.append(f"cap outcome {name} {_money(rng, ['200', '700', '2,000'])}{behaviour()}")
        if rng.random() < 0.5:
            lines.append(f"cap outcome {name} {rng.choice(['1', '2', '4'])} outcomes{behaviour()}")
    for s in all_subs:
        if rng.random() < 0.3:
            lines.append(f"cap subgroup {s} {_money(rng, ['300', '800'])}{behaviour()}")
        if rng.random() < 0.2:
            lines.append(f"cap subgroup {s} {rng.choice(['2', '3'])} outcomes{behaviour()}")
        if rng.random() < 0.3:  # a share: running, or measured (issue 10.5) of each base and timing
            lines.append(f"cap subgroup {s} {rng.choice(['50', '70'])}% of {_share_base(rng, names)}{behaviour()}")
    for name in rng.sample(names, min(len(names), rng.choice([0, 0, 1]))):
        declared = next(line for line in lines if line.startswith(f"outcome {name} "))
        if " against " not in declared:  # an outcome's share: of a base that holds it, never cohort-level
            base = _share_base(rng, names, measured=True, holding=name)
            lines.append(f"cap outcome {name} {rng.choice(['25', '40', '60'])}% of {base}")
    for c in cohorts:
        if rng.random() < 0.25:
            lines.append(f"cap cohort {c} {_money(rng, ['500', '1,500'])}{behaviour()}")
        if rng.random() < 0.15:
            lines.append(f"cap cohort {c} {rng.choice(['3', '5'])} outcomes{behaviour()}")
    if rng.random() < 0.25:
        lines.append(f"cap per period {_money(rng, ['150', '400'])}{behaviour()}")
    if rng.random() < 0.2:
        lines.append(f"cap per year {_money(rng, ['300', '900'])}{behaviour()}")
    if rng.random() < 0.3:
        lines.append(f"cap payer {rng.choice(payers)} {_money(rng, ['150', '500'])}{behaviour()}")
    if rng.random() < 0.4:
        lines.append(f"cap contract {_money(rng, ['500', '1,000', '3,000'])}{behaviour()}")
    # investment
    invests = rng.random() < 0.45
    if rng.random() < 0.3:
        lines.append('investor inv "Investor" commits GBP 1m' + (" ranks 3" if invests else ""))
        lines.append("tranche t_launch GBP 100,000 on 2020-01-01 from inv")
        lines.append(rng.choice(["tranche t_more GBP 100,000 from inv when payments reach GBP 500",
                                 "tranche t_more GBP 100,000 on 2021-01-01 from inv",
                                 "tranche t_more GBP 100,000 from inv when outcomes reach 3 outcomes by 2021-12-31"]))
        lines.append("tranche t_disc up to GBP 100,000 from inv at the board's discretion")
        if rng.random() < 0.6:
            lines.append(f"assert tranche {rng.choice(['t_launch t_more', 't_more t_launch']).replace(' ', ' is released before ')}")
    if invests:
        lines += _investment(rng, payers)
    # assertions of every kind
    amounts = ["100", "300", "500", "1,000", "2,000", "5,000"]
    for _ in range(rng.randint(2, 5)):
        kind = rng.choice(["participant", "payer", "total", "period", "twice", "share"])
        if kind == "participant":
            lines.append(f"assert each participant is paid at most {_money(rng, amounts)}")
        elif kind == "payer":
            lines.append(f"assert payer {rng.choice(payers)} pays at most {_money(rng, amounts)}")
        elif kind == "total":
            lines.append(f"assert total payments are at most {_money(rng, amounts)}")
        elif kind == "period":
            lines.append(f"assert each period pays at most {_money(rng, amounts)}")
        elif kind == "twice":
            lines.append(f"assert {rng.choice(names)} is never paid twice")
        elif all_subs:
            lines.append(f"assert subgroup {rng.choice(all_subs)} is at most {rng.choice(['50', '70'])}% of paid outcomes")
    return "\n".join(lines) + "\n"


def _investment(rng: random.Random, payers: list[str]) -> list[str]:
    """Investor classes and the waterfall (issue 11): ranks with ties, interest (until a date,
    guaranteed), return caps, floors and first losses (a percentage or money, by a payer, the
    provider or another investor), tranches of each kind from a class, needs (dated, two that add
    up), recycling with and without a limit, each distribution timing, surplus to a payer, the
    provider and the payers; and the investor assertions."""
    lines = ['provider prov "Provider"']
    n = rng.choice([1, 2, 2, 3])
    names = ["ia", "ib", "ic"][:n]
    ranks = rng.choice({1: [[1]], 2: [[1, 2], [1, 1], [2, 1]], 3: [[1, 1, 2], [1, 2, 2], [1, 2, 3], [2, 1, 1]]}[n])
    capped_all = True
    for name, rank in zip(names, ranks, strict=True):
        commit = rng.choice(["300", "500", "1,000", "2,500", "299.99"])
        lines.append(f'investor {name} "{name.upper()}" commits GBP {commit}')
        lines.append(f"  ranks {rank}")
        rate = None
        if rng.random() < 0.6:
            rate = rng.choice(["0%", "2%", "5%"])
            until = rng.choice(["", "", " until 2021-06-30"])
            by = rng.choice(["", "", f", guaranteed by {rng.choice(payers)}"])
            lines.append(f"  interest {rate} a year{until}{by}")
        if rng.random() < 0.65:
            lines.append(f"  returns at most {rng.choice(['5%', '9%', '12.5%'])} a year")
        else:
            capped_all = False
        for kind in rng.sample(["floor", "first"], rng.choice([0, 1, 1, 2])):
            guarantor = rng.choice([*payers, "prov", *[o for o in names if o != name]])
            if kind == "floor":
                lines.append(f"  principal protected {rng.choice(['50%', '100%', '33.3%', 'GBP 150'])} by {guarantor}")
            else:
                lines.append(f"  first loss {rng.choice(['GBP 100', '20%', '12.5% of principal'])} by {guarantor}")
        for t, kind in enumerate(rng.sample(["on", "when", "disc"], rng.choice([0, 0, 1, 2]))):
            amount = rng.choice(["100", "50", "33.33"])
            if kind == "on":
                lines.append(f"tranche {name}_t{t} GBP {amount} on {rng.choice(['2020-01-01', '2020-07-01', '2022-01-01'])}"
                             f" from {name}")
            elif kind == "when":
                lines.append(f"tranche {name}_t{t} GBP {amount} from {name} when payments reach GBP "
                             f"{rng.choice(['100', '500'])}")
            else:
                lines.append(f"tranche {name}_t{t} up to GBP {amount} from {name} at the board's discretion")
    if rng.random() < 0.85 or capped_all:
        lines.append(rng.choice(['waterfall "Schedule 4"', "waterfall"]))
        lines.append("  " + rng.choice(["distributes each period", "distributes at maturity",
                                        "distributes from 2021-07-01", "distributes each period"]))
        needs = rng.random() < 0.5
        if needs:
            lines.append(f"  needs GBP {rng.choice(['50', '100', '400'])} each period"
                         + rng.choice(["", " from 2020-04-01", " until 2021-12-31", " from 2020-07-01 until 2022-06-30"]))
            if rng.random() < 0.3:
                lines.append("  needs GBP 25 each period until 2020-12-31")
            if rng.random() < 0.6:
                lines.append("  recycles outcome payments" + rng.choice(["", " up to GBP 300"]))
        if capped_all or rng.random() < 0.2:
            lines.append("  surplus " + rng.choice([f"to {rng.choice(payers)}", "to prov", "to payers", "to prov",
                                                    "50% to prov, 50% to payers", f"30% to payers, 70% to {payers[0]}",
                                                    f"40% to prov, 60% to {payers[-1]}"]))
        if rng.random() < 0.3:
            lines.append('  clause "4.1"')
    for _ in range(rng.choice([1, 2, 3])):
        name = rng.choice(names)
        lines.append(rng.choice([f"assert investor {name} loses at most GBP {rng.choice(['0', '100', '250', '1,000'])}",
                                 f"assert investor {name} loses at most {rng.choice(['0', '50', '80'])}% of principal",
                                 f"assert investor {name} loses nothing",
                                 f"assert investor {name} returns at most {rng.choice(['5', '9', '12.5', '20'])}% a year"]))
    return lines


def _share_base(rng: random.Random, names: list[str], measured: bool = False, holding: str | None = None) -> str:
    """The base and timing of a share cap: `paid outcomes` alone (the running form, for a
    sub-group) or measured each period / over the contract, of paid outcomes or achievements,
    of every outcome or of some."""
    if not measured and rng.random() < 0.4:
        return "paid outcomes"
    kind = rng.choice(["paid outcomes", "achievements"])
    some = rng.sample(names, rng.randint(1, len(names))) if names and rng.random() < 0.4 else []
    if some and holding is not None and holding not in some:
        some.insert(0, holding)
    when = rng.choice(["measured each period", "measured over the contract"])
    return f"{kind}{' of ' + ', '.join(some) if some else ''}, {when}"


# ---------------------------------------------------------------- coverage, read from the model

CONSTRUCTS = [
    "tariff fixed", "tariff subgroup", "tariff subgroup otherwise", "tariff tiered", "tariff tiered open band",
    "tariff tiered zero band", "tariff tiered band cap", "tariff tiered counted within",
    "tariff sliding", "tariff per_unit", "tariff cohort_level",
    "repeat once", "repeat up_to", "repeat unlimited",
    "ladder", "ladder at least", "ladder by", "window of start", "window of referral", "only 1 of", "only k>1 of",
    "for cohort", "indexation",
    "cap participant", "cap outcome money", "cap outcome count", "cap subgroup money", "cap subgroup count",
    "cap subgroup share", "share running", "share measured period", "share measured contract",
    "share of achievements", "share of some outcomes", "cap outcome share", "same claims reordered, compared",
    "cap cohort money", "cap cohort count", "cap period", "cap year", "cap payer",
    "cap contract", "cap then reject", "cap pay in part",
    "payer at most", "payers 2", "payers 3", "shares that round", "rounding unit > 0.01", "rounding not half up",
    "split per invoice", "exact ratio shares", "shares in proportion", "shares per phase", "shares per outcome",
    "top-up",
    "remainder to", "cohort size", "cohort no size", "cohorts 2", "referral window", "subgroups",
    "settlement not quarterly", "tranche on", "tranche when", "tranche discretion",
    "assert participant_max", "assert payer_max", "assert total_max", "assert period_max", "assert never_twice",
    "assert subgroup_share", "assert tranche_order",
    "prerequisite or", "held at referral", "if paid", "not if held", "reset",
    "pooled over", "net of", "run-off", "claims until",
    # investment (issue 11)
    "investor ranks", "ranks tied", "ranks several", "interest", "interest until", "interest guaranteed",
    "return cap", "uncapped class", "floor percent", "floor money", "first loss percent", "first loss money",
    "guarantor investor", "tranche from a class", "discretionary tranche from a class", "needs", "needs dated",
    "needs overlapping", "recycles", "recycles up to", "distributes period", "distributes maturity",
    "distributes from", "surplus to payer", "surplus to provider", "surplus to payers", "surplus shared",
    "assert investor_loss", "assert investor_loss percent", "assert investor_return",
]


def constructs(c: Contract) -> set[str]:
    got: set[str] = set()
    for o in c.outcomes:
        got.add(f"tariff {o.tariff.kind}")
        if o.tariff.kind == "subgroup" and o.tariff.otherwise is not None:
            got.add("tariff subgroup otherwise")
        if o.tariff.kind == "tiered" and o.tariff.bands[-1].last is None:
            got.add("tariff tiered open band")
        if o.tariff.kind == "tiered":
            if any(b.price == 0 for b in o.tariff.bands):
                got.add("tariff tiered zero band")
            if o.tariff.has_band_caps:
                got.add("tariff tiered band cap")
            if o.tariff.counted_within is not None:
                got.add("tariff tiered counted within")
        got.add(f"repeat {o.repeat}")
        for p in o.prerequisites:
            got.add("ladder")
            if p.at_least is not None:
                got.add("ladder at least")
            if p.within is not None:
                got.add("ladder by")
        for choice in o.choices:
            got.add("held at referral" if choice.held_at_referral else "if paid" if choice.if_paid else "prerequisite or")
        if o.not_if_held:
            got.add("not if held")
        if o.window is not None:
            got.add(f"window of {o.window_from}")
        if o.cohorts:
            got.add("for cohort")
        if o.indexation is not None:
            got.add("indexation")
        if o.pooled:
            got.add("pooled over")
        if o.net_of:
            got.add("net of")
    if c.header.run_off is not None:
        got.add("run-off")
    if c.header.claims_until is not None:
        got.add("claims until")
    for g in c.exclusive_groups:
        got.add("only 1 of" if g.at_most == 1 else "only k>1 of")
    for cap in c.caps:
        if cap.scope in ("outcome", "subgroup", "cohort"):
            got.add(f"cap {cap.scope} {cap.measure}")
        else:
            got.add(f"cap {cap.scope}")
        got.add("cap then reject" if cap.behaviour == "reject" else "cap pay in part")
        if cap.measure == "share":
            got.add(f"share measured {cap.measured}" if cap.measured_share else "share running")
            if cap.share_base == "achievements":
                got.add("share of achievements")
            if cap.share_of:
                got.add("share of some outcomes")
    if any(p.cap is not None for p in c.payers):
        got.add("payer at most")
    if len(c.payers) > 1:
        got.add(f"payers {len(c.payers)}")
    if any(p.share != p.share.to_integral_value() for p in c.payers):
        got.add("shares that round")
    if c.header.split == "invoice" and len(c.payers) > 1:
        got.add("split per invoice")
    if any(p.ratio is not None for p in c.payers):
        got.add("exact ratio shares")
    if any(p.by_maximum for p in c.payers) and len(c.payers) > 1:
        got.add("shares in proportion")
    if any(len(cl.phases) > 1 for p in c.payers for cl in p.clauses):
        got.add("shares per phase")
    if any(cl.outcomes for p in c.payers for cl in p.clauses):
        got.add("shares per outcome")
    if any(o.top_ups for o in c.outcomes):
        got.add("top-up")
    if c.header.rounding_unit > Decimal("0.01"):
        got.add("rounding unit > 0.01")
    if c.header.rounding != "half up":
        got.add("rounding not half up")
    if c.header.remainder_to is not None:
        got.add("remainder to")
    if c.header.settlement_months != 3:
        got.add("settlement not quarterly")
    for co in c.cohorts:
        got.add("cohort size" if co.size is not None else "cohort no size")
        if co.referral_start is not None:
            got.add("referral window")
        if co.subgroups:
            got.add("subgroups")
    if len(c.cohorts) > 1:
        got.add("cohorts 2")
    for t in c.tranches:
        if t.on is not None:
            got.add("tranche on")
        if t.conditions:
            got.add("tranche when")
        if t.discretionary:
            got.add("tranche discretion")
    for a in c.assertions:
        got.add(f"assert {a.kind}")
    if c.resets:
        got.add("reset")
    got |= _investment_constructs(c)
    return got


def _investment_constructs(c: Contract) -> set[str]:
    got: set[str] = set()
    names = {i.name for i in c.investors}
    ranks = [i.rank for i in c.investors if i.rank is not None]
    if ranks:
        got.add("investor ranks")
    if len(ranks) != len(set(ranks)):
        got.add("ranks tied")
    if len(set(ranks)) > 1:
        got.add("ranks several")
    for i in c.investors:
        if i.interest is not None:
            got.add("interest")
            if i.interest.until is not None:
                got.add("interest until")
            if i.interest.guaranteed_by:
                got.add("interest guaranteed")
        if i.has_terms:
            got.add("return cap" if i.return_cap is not None else "uncapped class")
        for pr in i.protections:
            got.add(("floor" if pr.kind == "floor" else "first loss") + (" percent" if pr.share is not None else " money"))
            if pr.by in names:
                got.add("guarantor investor")
    for t in c.tranches:
        owner = next((i for i in c.investors if i.name == t.investor), None)
        if owner is not None and owner.has_terms:
            got.add("discretionary tranche from a class" if t.discretionary else "tranche from a class")
    w = c.waterfall
    if w is not None:
        got.add(f"distributes {w.distributes}")
        if w.needs:
            got.add("needs")
        if any(n.start is not None or n.until is not None for n in w.needs):
            got.add("needs dated")
        if len(w.needs) > 1:
            got.add("needs overlapping")
        if w.recycles:
            got.add("recycles up to" if w.recycle_limit is not None else "recycles")
        payers = {p.name for p in c.payers}
        for share in w.surplus:
            got.add("surplus to payers" if share.to == "*payers" else "surplus to payer" if share.to in payers
                    else "surplus to provider")
        if len(w.surplus) > 1:
            got.add("surplus shared")
    for a in c.assertions:
        if a.kind == "investor_loss" and a.of_principal:
            got.add("assert investor_loss percent")
    return got


# ---------------------------------------------------------------- known unsound patterns

# Each entry: (name, predicate on the source text). A contract matching one is not settled
# by the random profile; the pattern's minimal reproducer is a strict xfail test below.
# Patterns excluded from the random profile while a soundness bug in them is open (each with
# its strict-xfail reproducers). Empty: the last one (a price that varies under a `then reject`
# money cap) is fixed, and its reproducers are regression tests below.
KNOWN_UNSOUND: list[tuple[str, Callable[[str], bool]]] = []


def _varying_under_reject(src: str) -> bool:
    return (re.search(r"pays tiered|scaled by|sliding scale|indexed", src) is not None
            and re.search(r"cap (per participant|outcome \w+) GBP [^\n]*then reject", src) is not None)

_HEAD = """currency GBP
term 2020-01-01 to 2022-12-31
payer pa "PA"
"""

# (name, contract, ledger as (participant, outcome, achieved, value), what the participant is paid)
REPRODUCERS = [
    ("tiered under a reject participant cap",
     'contract "r1" version 1\n' + _HEAD +
     'outcome o0 "O0" pays tiered GBP 300 for outcomes 1 to 2, GBP 100 from outcome 3 onwards unlimited\n'
     "cap per participant GBP 500 then reject\n"
     "assert each participant is paid at most GBP 400\n",
     [("a", "o0", "2020-01-01", None), ("b", "o0", "2020-01-01", None)]
     + [("c", "o0", f"2020-01-0{k}", None) for k in range(2, 7)], "c", Decimal(500)),
    ("tiered under a reject outcome cap",
     'contract "r2" version 1\n' + _HEAD +
     'outcome o0 "O0" pays tiered GBP 50 for 1 to 3, GBP 500 from 4\n'
     "cap outcome o0 GBP 200 then reject\n"
     "assert each participant is paid at most GBP 40\n",
     [("a", "o0", "2020-01-01", None)], "a", Decimal(50)),
    ("sliding scale under a reject participant cap",
     'contract "r3" version 1\n' + _HEAD +
     'outcome o0 "O0" pays GBP 600\n'
     'outcome o1 "O1" pays GBP 500 scaled by "score": 0% at 0, 100% at 1\n'
     "cap per participant GBP 1,000 then reject\n"
     "assert each participant is paid at most GBP 900\n",
     [("a", "o0", "2020-01-01", None), ("a", "o1", "2020-01-02", Decimal("0.8"))], "a", Decimal(1000)),
    ("sliding scale under a reject outcome cap",
     'contract "r4" version 1\n' + _HEAD +
     'outcome o1 "O1" pays GBP 500 scaled by "score": 0% at 0, 100% at 1\n'
     "cap outcome o1 GBP 300 then reject\n"
     "assert each participant is paid at most GBP 100\n",
     [("a", "o1", "2020-01-01", Decimal("0.5"))], "a", Decimal(250)),
    ("falling indexation under a reject participant cap",
     'contract "r5" version 1\n' + _HEAD +
     'outcome o1 "O1" pays GBP 1,000 indexed 0% - 10% a year\n'
     "cap per participant GBP 950 then reject\n"
     "assert each participant is paid at most GBP 100\n",
     [("a", "o1", "2021-01-01", None)], "a", Decimal(900)),
    ("rising indexation under a reject outcome cap",
     'contract "r6" version 1\n' + _HEAD +
     'outcome o1 "O1" pays GBP 1,000 indexed 10% a year\n'
     "cap outcome o1 GBP 1,050 then reject\n"
     "assert each participant is paid at most GBP 100\n",
     [("a", "o1", "2020-01-01", None)], "a", Decimal(1000)),
]


@pytest.mark.parametrize(("name", "src", "ledger", "who", "paid"), REPRODUCERS, ids=[r[0] for r in REPRODUCERS])
def test_a_varying_price_under_a_reject_cap_is_never_proven_too_low(name: str, src: str, ledger: list[tuple[str, str, str,
                                                      Decimal | None]], who: str, paid: Decimal) -> None:
    contract = compile_text(src).model
    assert contract is not None
    claims = [Claim(f"r{i:03d}", pid, outcome, date.fromisoformat(day), value=value, start=TERM_START)
              for i, (pid, outcome, day, value) in enumerate(ledger)]
    settled = settle(contract, claims)
    got = sum((d.amount for d in settled.decisions if d.participant == who and d.status is not Status.REJECTED),
              Decimal(0))
    assert got == paid, f"the ledger pays {who} {got}"  # the ledger really pays this (not the xfail's cause)
    found = exposure(contract)
    [v] = verdicts(contract, found)
    assert _varying_under_reject(src)  # the pattern once excluded from the random profile
    assert v.status != "proven", f"{v.reason}; yet {who} is paid {paid}"  # was proven (a price varying under a
    # `then reject` cap: the figure used the best price only, too low and called exact)
    assert all(m.amount >= paid or m.unbounded for m in found.participants)


# ---------------------------------------------------------------- adversarial ledgers


def _plus(day: date, d: DurationLike) -> date:
    return add_duration(day, d)


def _limit(o: Outcome, extra: int, unlimited: int) -> int:
    return (unlimited if o.repeat == "unlimited" else o.repeat_limit) + extra


def _values(o: Outcome, rng: random.Random) -> list[Decimal | None]:
    if isinstance(o.tariff, PerUnitTariff):  # units past, at, under the limit, none, a fraction
        limit = o.tariff.limit
        return [limit + 5, limit, limit - 1, Decimal(0), Decimal(rng.randint(1, int(limit) * 10)) / 10]
    if not isinstance(o.tariff, SlidingTariff):
        return [None]
    pts = o.tariff.points
    top = pts[-1].at
    mid = (pts[0].at + pts[-1].at) / 2
    return [top + 1, top, mid, pts[0].at, Decimal(rng.randint(0, 400)) / 100]


def person_claims(c: Contract, pid: str, cohort: str | None, subgroup: str | None, start: date,
                  counts: dict[str, int], rng: random.Random, jitter: int, serial: list[int],
                  referral: date | None = None, late: int = 0) -> list[Claim]:
    """Claims for one participant: each outcome first on its earliest feasible day (ladder
    steps at their minimum delays after their prerequisites; `jitter` days later at most),
    repeats one day apart (never after the last day the outcome can be achieved: the term end,
    or the end of the run-off for a later ladder step, unless `late` lets them run a few days
    past it). With a claims deadline, `late` days between achieving and submitting (some after
    the deadline)."""
    by_name = {o.name: o for o in c.outcomes}
    first: dict[str, date] = {}
    ends = {o.name: last_day_for(o, c.header) + timedelta(days=late % 3) for o in c.outcomes}

    def day_of(name: str, seen: frozenset[str] = frozenset()) -> date:
        if name in first:
            return first[name]
        day = start
        options = [rng.choice(ch.options) for ch in by_name[name].choices if not ch.held_at_referral or rng.random() < 0.5]
        for p in [*by_name[name].prerequisites, *options]:
            if p.outcome in seen or p.outcome not in by_name:
                continue
            before = day_of(p.outcome, seen | {name})
            if p.at_least is not None:
                before = _plus(before, p.at_least)
            day = max(day, before)
        if jitter:
            day += timedelta(days=rng.randint(0, jitter))
        first[name] = min(day, ends[name])
        return first[name]

    if referral == date.max:  # referred late: on the earliest day of a step whose window counts from referral
        referral = max((day_of(o.name) for o in c.outcomes if o.window_from == "referral" and o.name in counts),
                       default=start)
    claims = []
    # statuses held at referral (issue 10.2, 10.3): none, the options of held clauses, the
    # deadweight outcomes, or a random mix; given with every claim (the first one fixes them)
    held_kinds = [None, frozenset(o.outcome for ou in c.outcomes for ch in ou.choices for o in ch.options),
                  frozenset(o.name for o in c.outcomes if o.not_if_held),
                  frozenset(o.name for o in c.outcomes if rng.random() < 0.5)]
    held = rng.choice(held_kinds) or None
    for name in sorted(counts, key=lambda k: (day_of(k), k)):
        o = by_name[name]
        values = _values(o, rng)
        for k in range(counts[name]):
            serial[0] += 1
            achieved = min(day_of(name) + timedelta(days=k), ends[name])
            submitted = achieved + timedelta(days=late * k) if late and c.header.claims_until else None
            claims.append(Claim(claim_id=f"k{serial[0]:07d}", participant=pid, outcome=name,
                                achieved=achieved, evidence="adversarial",
                                cohort=cohort, start=start, subgroup=subgroup, value=values[k % len(values)],
                                referral=referral, held=held, submitted=submitted))
    for r in c.resets:  # reset rows: before any claim (an unknown participant), at the start, after steps
        days = sorted({cl.achieved for cl in claims} | {start})
        for when in rng.sample(days, min(len(days), rng.randint(0, 3))) + ([start - timedelta(days=3)]
                                                                              if rng.random() < 0.3 else []):
            serial[0] += 1
            claims.append(Claim(claim_id=f"k{serial[0]:07d}", participant=pid, outcome=r.name,
                                achieved=when + timedelta(days=rng.choice([0, 0, 1, 15])), evidence="reset"))
    return claims


def measurements(c: Contract, extra: int) -> list[Measurement]:
    """Cohort-level results for every cohort (and for all cohorts), as often as allowed and more,
    with large improvements in the tariff's direction; for a pooled outcome also rows for all its
    cohorts with the figures left to be pooled; some dated in the run-off or past it, some
    submitted after the claims deadline."""
    out = []
    n = 0
    last = last_day(c.header)
    for o in c.outcomes:
        if o.tariff.kind != "cohort_level":
            continue
        good = (Decimal(100), Decimal(40)) if o.tariff.direction == "reduction" else (Decimal(100), Decimal(190))
        for cohort in [*(co.name for co in c.cohorts), None]:
            for k in range(_limit(o, extra, 3)):
                n += 1
                base, obs = good if k % 3 != 2 else (Decimal(100), Decimal(95) if o.tariff.direction == "reduction"
                                                     else Decimal(107))
                day = date(2020, 3, 1) + timedelta(days=20 * n)
                if n % 7 == 3:  # in the run-off (or just past the term), and past the run-off
                    day = min(last, TERM_END + timedelta(days=10)) if n % 2 else last + timedelta(days=1)
                submitted = day + timedelta(days=400) if c.header.claims_until and n % 5 == 4 else None
                out.append(Measurement(f"m{n:05d}", o.name, cohort, day, base, obs, submitted=submitted))
                if cohort is None and o.pooled:  # the pooled figures, computed from the cohorts' rows
                    n += 1
                    out.append(Measurement(f"m{n:05d}", o.name, None, day + timedelta(days=1), Decimal(0),
                                           Decimal(0), given=False))
    return out


def ledgers(c: Contract, rng: random.Random, extra: int, unlimited: int, orders: int
            ) -> list[tuple[list[Claim], list[Measurement]]]:
    """Adversarial ledgers: every cohort (and sub-group, and none) with more participants than
    it holds, each claiming every participant outcome beyond its limit; in several orders."""
    people: list[tuple[str, str | None, str | None]] = []
    for co in c.cohorts:
        room = (co.size or 5) + 1
        groups: list[str | None] = [s.name for s in co.subgroups] + [None]
        for k in range(room):
            people.append((f"{co.name}-{k}", co.name, groups[k % len(groups)]))
    if not c.cohorts:
        people += [(f"p{k}", None, None) for k in range(6)]
    if len(c.cohorts) > 1:  # claims that name no cohort: in none, and no cohort's size limits them
        subs = [s.name for co in c.cohorts for s in co.subgroups] + [None]
        people += [(f"none-{k}", None, subs[k % len(subs)]) for k in range(sum((co.size or 5) + 1 for co in c.cohorts) + 2)]
        for co in c.cohorts:  # and participants who give another cohort's sub-group (nothing ties the two)
            foreign = [s.name for other in c.cohorts if other is not co for s in other.subgroups]
            people += [(f"{co.name}-x{k}", co.name, foreign[k % len(foreign)]) for k in range(len(foreign))]
    counts = {o.name: _limit(o, extra, unlimited) for o in c.outcomes if o.tariff.kind != "cohort_level"}
    meas = measurements(c, extra)
    out: list[tuple[list[Claim], list[Measurement]]] = []
    for order in range(orders):
        serial = [0]
        claims: list[Claim] = []
        seq = list(people)
        if order == 1:
            seq.reverse()
        elif order >= 2:
            rng.shuffle(seq)
        for i, (pid, cohort, sub) in enumerate(seq):
            spec = next((co for co in c.cohorts if co.name == cohort), None)
            opens = spec.referral_start if spec and spec.referral_start else TERM_START
            start = opens + timedelta(days=(0 if order == 0 else i * (order + 1) % 40))
            jitter = 0 if order < 2 else 30
            referral = [None, start, start - timedelta(days=400), start + timedelta(days=20), date.max][order % 5]
            claims += person_claims(c, pid, cohort, sub, start, counts, rng, jitter, serial, referral=referral,
                                    late=order % 4 * 45)
        out.append((claims, meas if order % 2 == 0 else meas[::-1]))
        if order == 0:  # every participant in the sub-group a tier is counted within: its bands are passed
            for o in c.outcomes:
                within = o.tariff.counted_within if isinstance(o.tariff, TieredTariff) else None
                owner = next((co for co in c.cohorts for sg in co.subgroups if sg.name == within), None)
                if owner is None:
                    continue
                serial, claims = [0], []
                for k in range((owner.size or 5) + 2):
                    claims += person_claims(c, f"{within}-{k}", owner.name, within, TERM_START + timedelta(days=k),
                                            counts, rng, 0, serial)
                out.append((claims, []))
        if order == 0:  # one participant at a time: only the most expensive outcome, many times
            for o in c.outcomes:
                if o.tariff.kind == "cohort_level" or not people:
                    continue
                pid, cohort, sub = people[0]
                solo = person_claims(c, "solo", cohort, sub, TERM_START, {o.name: _limit(o, extra * 2, unlimited * 2)},
                                     rng, 0, [0])
                out.append((solo, []))
    return out


def _at_best_point(c: Contract, claims: list[Claim]) -> list[Claim]:
    """A sliding scale's claims at the value of its highest percentage."""
    by_name = {o.name: o for o in c.outcomes}
    for claim in claims:
        best = best_value(by_name[claim.outcome].tariff)
        if best is not None:
            claim.value = best
    return claims


def full_cohorts(c: Contract, found: Exposure) -> tuple[list[Claim], list[Measurement]]:
    """Every cohort filled (to its size, or 3) with participants who each claim the analysis's
    best selection for the cohort, and the cohort-level results: the ledger that reaches an
    exact total where one participant's best does not depend on the others."""
    claims: list[Claim] = []
    for co in c.cohorts or [None]:  # type: ignore[list-item]
        name = co.name if co is not None else None
        mine = [m for m in found.participants if m.cohort == name and not m.unbounded]
        if not mine:
            continue
        best = max(mine, key=lambda m: m.amount)
        for k in range(co.size if co is not None and co.size else 3):
            claims += participant_claims(c, f"full-{name}-{k}", name, best.subgroup, best.selection, len(claims))
    return _at_best_point(c, claims), measurements(c, 0)


# ---------------------------------------------------------------- the checks


@dataclass
class Run:
    contracts: int = 0
    discarded: int = 0
    known_unsound: int = 0
    ledgers: int = 0
    coverage: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    exact_checked: int = 0
    exact_unreached: Counter[str] = field(default_factory=Counter)
    unreached_examples: list[str] = field(default_factory=list)
    waterfalls: int = 0  # waterfall runs checked against the investor figures
    investor_exact: Counter[str] = field(default_factory=Counter)  # investor figures exact, each reached again


def _paid_per_participant(settled: Settlement) -> dict[str, Decimal]:
    per: dict[str, Decimal] = defaultdict(Decimal)
    for d in settled.decisions:
        if d.status is not Status.REJECTED and not d.cohort_level:
            per[d.participant] += d.amount
    return per


def broken(c: Contract, v: Verdict, settled: Settlement) -> bool:
    """Does this settlement break the assertion?"""
    a, figures = v.assertion, settled.figures
    value = a.value if a.value is not None else Decimal(0)
    if a.kind == "participant_max":
        return max(_paid_per_participant(settled).values(), default=Decimal(0)) > value
    if a.kind == "payer_max":
        return figures.payer_money.get(a.subject or "", Decimal(0)) > value
    if a.kind == "total_max":
        return figures.total_money > value
    if a.kind == "period_max":
        return max(figures.period_money.values(), default=Decimal(0)) > value
    if a.kind == "never_twice":
        times = Counter(d.participant for d in settled.decisions
                        if d.outcome == a.subject and d.status is not Status.REJECTED and not d.cohort_level)
        return max(times.values(), default=0) > 1
    if a.kind == "subgroup_share":
        paid = [d for d in settled.decisions if d.status is not Status.REJECTED and not d.cohort_level]
        groups = {pid: p.subgroup for pid, p in figures.participants.items()}
        mine = sum(1 for d in paid if groups.get(d.participant) == a.subject)
        # the share rounded up to a whole outcome (docs/language.md); Decimal // truncates towards
        # zero, so -(-x // 100) would round 2.1 down to 2
        allowed = (value * len(paid) / 100).to_integral_value(ROUND_CEILING)
        return mine > allowed
    if a.kind == "tranche_order":  # holds when the second is not released, or not before the first
        from sibdsl.settlement.tranches import release_tranches

        released = {r.tranche: r.day for r in release_tranches(c, settled.decisions, [], c.header.term_end)
                    if r.status.startswith("released")}
        second, first = released.get(a.other or ""), released.get(a.subject or "")
        return second is not None and (first is None or second < first)
    return False


def _check(src: str, c: Contract, found: Exposure, found_verdicts: list[Verdict], settled: Settlement,
           where: str) -> None:
    figures = settled.figures
    ctx = f"\n{where}\n--- contract ---\n{src}"
    if found.liability is not None:
        assert figures.total_money <= found.liability, \
            f"total paid {figures.total_money} > maximum liability {found.liability} ({found.set_by}){ctx}"
    for name, (most, why) in found.payers.items():
        if most is not None:
            assert figures.payer_money.get(name, Decimal(0)) <= most, \
                f"payer {name} paid {figures.payer_money.get(name)} > its maximum {most} ({why}){ctx}"
    per = _paid_per_participant(settled)
    if per and found.participants and not any(m.unbounded for m in found.participants):
        top = max(m.amount for m in found.participants)
        assert max(per.values()) <= top, f"a participant was paid {max(per.values())} > the most {top}{ctx}"
    by_group = {(m.cohort, m.subgroup): m for m in found.participants}
    for pid, paid in per.items():
        who = figures.participants[pid]
        m = by_group.get((who.cohort, who.subgroup))
        if m is not None and not m.unbounded:
            assert paid <= m.amount, \
                f"participant {pid} ({who.cohort}/{who.subgroup}) paid {paid} > its group's most {m.amount}{ctx}"
    if found.period is not None and found.period.most is not None:
        in_one = most_in_a_period(settled)
        assert in_one <= found.period.most, \
            f"one period paid {in_one} > the most in a period {found.period.most} ({found.period.set_by}){ctx}"
    for v in found_verdicts:
        if v.status == "proven":
            assert not broken(c, v, settled), f"proven assertion broken: {v.assertion.text} ({v.reason}){ctx}"
    _check_parts(c, settled, ctx)


def _check_parts(c: Contract, settled: Settlement, ctx: str) -> None:
    """The payers' parts (issue 10.6a): never negative, adding up to each payment; the invoices
    add up to each payer's parts; per invoice, with no payer cap cutting a part, each payer's
    invoice is within the rounding of its exact share of its period's total."""
    from fractions import Fraction

    from sibdsl.core.money import round_money

    invoiced: dict[str, Decimal] = defaultdict(Decimal)
    for (payer, _period), amount in settled.invoices.items():
        invoiced[payer] += amount
    for p in c.payers:
        assert invoiced[p.name] == settled.figures.payer_money.get(p.name, Decimal(0)), \
            f"invoices of {p.name} add up to {invoiced[p.name]}, not its parts{ctx}"
    for d in settled.decisions:
        assert all(part >= 0 for part in d.shares.values()), f"negative part {d.shares}{ctx}"
        assert sum(d.shares.values(), Decimal(0)) == d.amount, f"parts {d.shares} do not add up to {d.amount}{ctx}"
    unit = c.header.rounding_unit
    if c.header.split != "invoice" or len(c.payers) < 2 or any(d.status is Status.PARTIAL for d in settled.decisions):
        return
    owed: dict[tuple[str, int], Fraction] = defaultdict(Fraction)  # exact shares, per outcome and phase
    for d in settled.decisions:
        for p in c.payers:
            owed[(p.name, d.period)] += Fraction(d.amount) * p.share_of(d.outcome, d.achieved)
    slack = {p.name: unit * (len(c.payers) - 1) for p in c.payers}
    for (payer, period), amount in settled.invoices.items():
        exact = owed[(payer, period)]
        if payer != settled.plan.remainder_to:  # never above its share of the period, rounded once
            assert amount <= round_money(exact, unit, c.header.rounding), \
                f"invoice {payer} P{period} {amount} is above its share {float(exact)}, rounded{ctx}"
        assert Fraction(amount) <= exact + Fraction(slack[payer]), \
            f"invoice {payer} P{period} {amount} is above its share {float(exact)} by more than the rounding{ctx}"


def _reaches(c: Contract, found: Exposure, found_verdicts: list[Verdict], run: Run, src: str,
             best_total: Decimal, best_payer: dict[str, Decimal]) -> None:
    """An exact per-participant figure is reached by the witness ledger the analysis gives for it
    (its participant `WITNESS`, after any filler participants), settled here again; an exact
    liability by the analysis's cohort witness, which also pays each payer figure called exact.
    Every witness is itself an adversarial ledger: no settlement of it exceeds any figure.
    Exact figures no ledger reaches are counted and printed (with no witness, none should be)."""
    for m in found.participants:
        if m.exact and not m.unbounded and m.amount > 0:
            assert m.witness, f"exact participant figure {m.amount} ({m.cohort}/{m.subgroup}) without a witness\n{src}"
            settled = settle(c, m.witness)
            paid = sum((d.amount for d in settled.decisions
                        if d.status is not Status.REJECTED and d.participant == WITNESS), Decimal(0))
            run.exact_checked += 1
            run.ledgers += 1
            _check(src, c, found, found_verdicts, settled, "a participant maximum's witness")
            assert paid == m.amount, (f"exact participant figure {m.amount} ({m.cohort}/{m.subgroup}) but its "
                                      f"witness {m.selection} is paid {paid}\n{src}")
    if found.exact and found.liability is not None and found.witness:
        settled = settle(c, found.witness)
        run.ledgers += 1
        _check(src, c, found, found_verdicts, settled, "the liability's witness")
        assert settled.figures.total_money == found.liability, f"exact liability not reached by its witness\n{src}"
        best_total = max(best_total, settled.figures.total_money)
        for name, x in settled.figures.payer_money.items():
            best_payer[name] = max(best_payer.get(name, Decimal(0)), x)
    if found.period is not None and found.period.witness:
        settled = settle(c, found.period.witness)
        run.ledgers += 1
        _check(src, c, found, found_verdicts, settled, "the period figure's witness")
        assert most_in_a_period(settled) == found.period.reached
        assert not found.period.exact or found.period.reached == found.period.most
    if found.exact and found.liability is not None and best_total < found.liability:
        run.exact_unreached["total"] += 1
        run.unreached_examples.append(f"total: exact {found.liability}, best ledger {best_total}\n{src}")
    for name, pm in found.payer_bounds.items():
        if pm.exact and pm.most is not None and best_payer.get(name, Decimal(0)) < pm.most:
            run.exact_unreached["payer"] += 1
            run.unreached_examples.append(f"payer {name}: exact {pm.most}, best ledger {best_payer.get(name)}\n{src}")


def check_contract(src: str, run: Run, extra: int, unlimited: int, orders: int) -> bool:
    """Analyse and settle one generated contract; False when it was not kept. The ledgers'
    randomness is seeded by the contract's text, so a failure replays from the text alone."""
    rng = random.Random(zlib.crc32(src.encode()))
    result = compile_text(src)
    c = result.model
    if c is None or not result.ok:
        run.discarded += 1
        return False
    if any(pred(src) for _, pred in KNOWN_UNSOUND):
        run.known_unsound += 1
        return False
    run.contracts += 1
    run.coverage.update(constructs(c))
    # half the contracts as `sibc check` analyses them, half as --facts and the report do
    # (larger liability witnesses, a witness for the most paid in one period)
    found = exposure(c, witness_claims=WITNESS_CLAIMS if rng.random() < 0.5 else LIABILITY_WITNESS_CLAIMS)
    found_verdicts = verdicts(c, found)
    run.verdicts.update(v.status for v in found_verdicts)
    best_total, best_payer = Decimal(0), defaultdict[str, Decimal](Decimal)
    settled_ledgers: list[tuple[list[Claim], Settlement]] = []
    for i, (claims, meas) in enumerate([*ledgers(c, rng, extra, unlimited, orders), full_cohorts(c, found)]):
        settled = settle(c, claims, meas)
        run.ledgers += 1
        _check(src, c, found, found_verdicts, settled, f"ledger {i}: {len(claims)} claims, {len(meas)} measurements")
        if c.investors:
            settled_ledgers.append((claims, settled))
        best_total = max(best_total, settled.figures.total_money)
        for name, x in settled.figures.payer_money.items():
            best_payer[name] = max(best_payer[name], x)
    for v in found_verdicts:  # a refutation is a witness that the engine confirms
        if v.status == "refuted" and v.witness and v.assertion.kind not in ("investor_loss", "investor_return"):
            settled = settle(c, v.witness)
            run.ledgers += 1
            assert broken(c, v, settled), f"refuted {v.assertion.text} but its witness does not break it\n{src}"
            _check(src, c, found, found_verdicts, settled, "the verdict's witness")
    _reaches(c, found, found_verdicts, run, src, best_total, best_payer)
    if c.investors:
        _check_investors(c, src, found, found_verdicts, run, settled_ledgers, rng)
    if any(cap.measured_share for cap in c.caps):
        _same_claims_reordered(c, src, rng, run, found, found_verdicts)
    return True


_ORDER_FREE_REASONS = {"paid", "not_in_cohort", "outside_term", "no_price", "value_missing", "below_threshold",
                       "cohort_level_outcome", "referral_outside_window"}


def _same_claims_reordered(c: Contract, src: str, rng: random.Random, run: Run, found: Exposure,
                           found_verdicts: list[Verdict]) -> None:
    """A measured share never depends on the order of the claims within a period (issue 10.5):
    one claim per participant, of outcomes whose price and rules do not depend on dates or on
    other claims (no ladder, window, tier or indexation), the dates shuffled within each
    settlement period, give every claim id the same decision, wherever no other rule that
    depends on order (a money or count cap, a payer's cap, a cohort's size, a running share)
    stopped or cut a claim, even settled without the measured shares (their achievements). The
    shares hold exactly in each settlement, and no figure is exceeded."""
    if any(cap.measure == "share" and not cap.measured_share for cap in c.caps):
        return
    plan = settle(c, []).plan
    usable = [o for o in c.outcomes if not o.prerequisites and o.window is None and o.indexation is None
              and o.tariff.kind not in ("tiered", "cohort_level")]
    if not usable:
        return
    people: list[tuple[str, str | None, str | None]] = []
    for co in c.cohorts or [None]:  # type: ignore[list-item]
        subs: list[str | None] = [s.name for s in co.subgroups] + [None] if co is not None else [None]
        for k in range(min(12, co.size or 12) if co is not None else 12):  # within its size: no cohort_full
            people.append((f"r-{co.name if co else 'x'}-{k}", co.name if co else None, subs[k % len(subs)]))
    claims: list[Claim] = []
    for k, (pid, cohort, sub) in enumerate(people):
        o = rng.choice(usable)
        value = rng.choice(_values(o, rng))
        day = TERM_START + timedelta(days=rng.randrange(400))
        claims.append(Claim(f"r{k:04d}", pid, o.name, day, cohort=cohort, subgroup=sub, value=value))
    first = settle(c, claims)
    run.ledgers += 1
    _check(src, c, found, found_verdicts, first, "same claims, first dates")
    by_period: dict[int, list[int]] = defaultdict(list)
    for i, cl in enumerate(claims):
        by_period[plan.period_of(cl.achieved)].append(i)
    moved = list(claims)
    for idx in by_period.values():
        days = [claims[i].achieved for i in idx]
        rng.shuffle(days)
        for i, d in zip(idx, days, strict=True):
            cl = claims[i]
            moved[i] = Claim(cl.claim_id, cl.participant, cl.outcome, d, cohort=cl.cohort, subgroup=cl.subgroup,
                             value=cl.value)
    again = settle(c, moved)
    run.ledgers += 1
    _check(src, c, found, found_verdicts, again, "same claims, dates shuffled within each period")
    measured = {f"caps.{i}" for i, cap in enumerate(c.caps) if cap.measured_share}

    def order_free(s: Settlement, shares: set[str] = measured) -> bool:
        return all(d.reason.value in _ORDER_FREE_REASONS or (d.reason.value == "cap_reached" and d.root_cause in shares)
                   for d in s.decisions)

    from sibdsl.search.properties import measured_share_violations

    assert not measured_share_violations(first) and not measured_share_violations(again), src
    # the achievements are the claims paid without the measured shares: where a cap that depends on
    # order (a payer's cap paying the first claims) binds there, they depend on the order too. Every
    # settlement of a measurement pays some of the claims, so if all of them together bind no such
    # cap, no settlement does
    plain = settle(c.model_copy(update={"caps": tuple(cap for cap in c.caps if not cap.measured_share)}), claims)
    # (the caps of `plain` are numbered without the measured shares: none of its caps is one)
    if order_free(plain, set()) and order_free(first) and order_free(again):
        run.coverage["same claims reordered, compared"] += 1
        key = sorted((d.claim_id, d.status.value, d.amount, d.reason.value) for d in first.decisions)
        assert key == sorted((d.claim_id, d.status.value, d.amount, d.reason.value) for d in again.decisions), \
            f"the same claims on other dates within their periods were decided differently\n{src}"


def _investor_requests(c: Contract, rng: random.Random) -> list[list[Request]]:
    """Adversarial discretionary requests: each tranche asked for more than its limit, for tiny
    and odd amounts, several times, on random days of the term (and one before and after it)."""
    disc = [t for t in c.tranches if t.discretionary]
    if not disc:
        return []
    out: list[list[Request]] = []
    span = (TERM_END - TERM_START).days
    for k in range(3):
        reqs = []
        for t in disc:
            top = t.limit if t.limit is not None else (t.amount or Decimal(1))
            for j in range(rng.randint(1, 3)):
                amount = rng.choice([top, top + 1, Decimal("0.001"), Decimal("0.015"), top / 3, Decimal("7.77")])
                day = TERM_START + timedelta(days=rng.randint(-2, span + 2))
                reqs.append(Request(f"a{k}-{t.name}-{j}", t.name, day, amount))
        out.append(reqs)
    return out


def _check_investors(c: Contract, src: str, found: Exposure, found_verdicts: list[Verdict], run: Run,
                     settled_ledgers: list[tuple[list[Claim], Settlement]], rng: random.Random) -> None:
    """Every investor figure against the waterfall run on adversarial ledgers (each with the
    search's request variants and random ones): the most drawn, the maximum loss (money and % of
    principal), the most received and earned are never passed; proven investor assertions hold;
    refuted ones are broken by their witness; an exact figure is reached by its witness again."""
    from sibdsl.analysis import investors as inv
    from sibdsl.core.money import wide
    from sibdsl.settlement.tranches import participant_groups, release_tranches
    from sibdsl.settlement.waterfall import run_waterfall

    figures = inv.bounds(c, found)
    inv.confirm(c, found, figures)
    ctx = f"\n--- contract ---\n{src}"
    kinds = ("investor_loss", "investor_return")
    proven = [v for v in found_verdicts if v.assertion.kind in kinds and v.status == "proven"]

    def broken_by(v: Verdict, w: WaterfallResult) -> str | None:
        a = v.assertion
        return inv.loss_excess(c, a, w) if a.kind == "investor_loss" else inv.return_excess(c, a, w)

    def check(w: WaterfallResult, where: str) -> None:
        with decimal.localcontext(wide()):
            checked(w, where)

    def checked(w: WaterfallResult, where: str) -> None:
        run.waterfalls += 1  # (in a wide context: WaterfallResult.conserved() sums amounts of 29 digits at 28)
        assert w.conserved(), f"the waterfall does not conserve money ({where}){ctx}"
        for name, f in figures.items():
            a = w.accounts[name]
            assert a.drawn <= f.drawable, f"{name} drew {a.drawn} > the most {f.drawable} ({where}){ctx}"
            if w.matured:
                assert f.loss.amount is None or a.loss <= f.loss.amount, \
                    f"{name} lost {a.loss} > its maximum loss {f.loss.amount} ({f.loss.why}; {where}){ctx}"
                if f.loss_share is not None and a.drawn > 0:
                    assert a.loss * 100 <= f.loss_share * a.drawn, \
                        f"{name} lost {a.loss} of {a.drawn} > {f.loss_share}% ({where}){ctx}"
            if f.received.amount is not None:
                assert a.received <= f.received.amount, \
                    f"{name} received {a.received} > its most {f.received.amount} ({f.received.why}; {where}){ctx}"
            earned = a.interest_paid + a.return_paid + a.surplus_paid + a.interest_guaranteed
            if f.earned.amount is not None:
                assert earned <= f.earned.amount, f"{name} earned {earned} > its most {f.earned.amount} ({where}){ctx}"
        for v in proven:
            why = broken_by(v, w)
            assert why is None, f"proven assertion broken: {v.assertion.text} ({v.reason}): {why} ({where}){ctx}"

    randoms = _investor_requests(c, rng)
    for i, (claims, settled) in enumerate(settled_ledgers):
        variants = inv.request_variants(c, claims) + [(f" random requests {k}", r) for k, r in enumerate(randoms)]
        for words, requests in variants:
            _, w = inv.run(c, claims, requests, settled=settled)
            check(w, f"ledger {i}{words}")
        if i % 4 == 0:  # as of a day inside the term: no guarantee called, nothing received above the figures
            day = TERM_START + timedelta(days=rng.randint(0, (TERM_END - TERM_START).days))
            releases = release_tranches(c, settled.decisions, variants[-1][1], day,
                                        participant_groups(settled.figures.participants))
            check(run_waterfall(c, settled, releases, as_of=day), f"ledger {i} as of {day}")
    for v in found_verdicts:
        if v.assertion.kind in kinds and v.status == "refuted":
            _, w = inv.run(c, v.witness, v.requests)
            check(w, "a refuted verdict's witness")
            assert broken_by(v, w) is not None, f"refuted {v.assertion.text} but its witness does not break it{ctx}"
    requests = inv.full_requests(c)
    _, empty = inv.run(c, [], requests)
    check(empty, "the empty ledger")
    claims, _source = inv.liability_ledger(c, found)
    best = inv.run(c, claims, requests)[1] if claims else None
    if best is not None:
        check(best, "the liability's witness")
    for name, f in figures.items():
        if f.loss.exact:
            run.investor_exact["loss"] += 1
            assert empty.accounts[name].loss == f.loss.amount, f"exact loss of {name} not reached{ctx}"
        if f.loss_share_exact:
            run.investor_exact["loss %"] += 1
            a = empty.accounts[name]
            assert a.loss * 100 == f.loss_share * a.drawn, f"exact loss share of {name} not reached{ctx}"
        if f.received.exact:
            run.investor_exact["received"] += 1
            assert best is not None and best.accounts[name].received == f.received.amount, \
                f"exact most received of {name} not reached{ctx}"


def _print(run: Run, label: str) -> None:
    width = max(len(k) for k in CONSTRUCTS)
    print(f"\n== soundness over generated contracts ({label}) ==")
    print(f"contracts kept {run.contracts}, discarded (compile errors) {run.discarded}, "
          f"skipped as KNOWN_UNSOUND {run.known_unsound}; ledgers settled {run.ledgers:,}")
    print(f"verdicts: {dict(run.verdicts)}; exact participant figures reached by their witness: {run.exact_checked}; "
          f"exact figures not reached by any adversarial ledger (not failed): {dict(run.exact_unreached)}")
    print(f"waterfall runs checked against the investor figures: {run.waterfalls:,}; investor figures exact and "
          f"reached again: {dict(run.investor_exact)}")
    for example in run.unreached_examples[:3]:
        print("  exact but not reached here:", example.replace("\n", "\n    "))
    print("coverage (contracts using each construct):")
    for k in CONSTRUCTS:
        print(f"  {k:<{width}} {run.coverage[k]:>6}" + ("   <-- NEVER GENERATED" if not run.coverage[k] else ""))


def run_profile(seed: int, contracts: int, extra: int, unlimited: int, orders: int) -> Run:
    rng = random.Random(seed)
    run = Run()
    tries = 0
    while run.contracts < contracts and tries < contracts * 20:
        tries += 1
        check_contract(generate(rng), run, extra, unlimited, orders)
    return run


def _finish(run: Run, capsys: pytest.CaptureFixture[str], label: str) -> None:
    with capsys.disabled():
        _print(run, label)
    missing = [k for k in CONSTRUCTS if not run.coverage[k]]
    assert not missing, f"constructs never generated: {missing}"


def test_generated_contracts_are_sound(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_profile(seed=8, contracts=100, extra=2, unlimited=6, orders=12)
    _finish(run, capsys, "fast")


@pytest.mark.slow
def test_generated_contracts_are_sound_slow(capsys: pytest.CaptureFixture[str]) -> None:
    seed = random.randrange(10**9)  # printed: run_profile(seed, ...) replays a failure
    run = run_profile(seed=seed, contracts=5500, extra=3, unlimited=10, orders=16)
    _finish(run, capsys, f"slow, seed {seed}")
    assert run.ledgers >= 100_000, run.ledgers


def test_the_harness_catches_an_understated_figure() -> None:
    """The checks can fail: a maximum lowered by one penny, or an assertion called proven
    that a ledger breaks, is reported."""
    src = """contract "harness" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer pa "PA" pays 60%
payer pb "PB" pays 40%
cohort c0 "C" at most 2 participants
outcome o0 "O0" pays GBP 100 up to 2 times
assert total payments are at most GBP 300
"""
    contract = compile_text(src).model
    assert contract is not None
    found = exposure(contract)
    assert found.liability == Decimal(400) and found.exact
    [v] = verdicts(contract, found)
    assert v.status == "refuted" and broken(contract, v, settle(contract, v.witness))
    claims, meas = full_cohorts(contract, found)
    settled = settle(contract, claims, meas)
    assert settled.figures.total_money == Decimal(400)  # the exact figure is reached
    _check(src, contract, found, [], settled, "as analysed")  # sound: no error
    from dataclasses import replace as changed
    with pytest.raises(AssertionError, match="maximum liability"):
        _check(src, contract, changed(found, liability=Decimal("399.99")), [], settled, "lowered")
    payers = dict(found.payers, pa=(Decimal("239.99"), "lowered"))
    with pytest.raises(AssertionError, match="payer pa paid"):
        _check(src, contract, changed(found, payers=payers), [], settled, "lowered")
    with pytest.raises(AssertionError, match="proven assertion broken"):
        _check(src, contract, found, [changed(v, status="proven")], settled, "called proven")


def test_the_harness_catches_an_understated_investor_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    """The investor checks can fail: a maximum loss or a most received lowered by one penny is
    passed by a waterfall run, and reported."""
    from dataclasses import replace as changed

    from sibdsl.analysis import investors as inv

    src = """contract "harness investors" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer pa "PA"
cohort c0 "C" at most 2 participants
outcome o0 "O0" pays GBP 600
investor ia "IA" commits GBP 1,000
  ranks 1
  returns at most 5% a year
  first loss GBP 200 by pa
waterfall
  surplus to pa
"""
    contract = compile_text(src).model
    assert contract is not None
    found = exposure(contract)
    figures = inv.bounds(contract, found)
    assert figures["ia"].loss.amount == Decimal(800)
    check_contract(src, Run(), 1, 2, 2)  # sound as analysed
    real = inv.bounds
    for lowered in ({"loss": inv.Figure(Decimal("799.99"))}, {"received": inv.Figure(Decimal(1000))}):
        monkeypatch.setattr(inv, "bounds", lambda c, f, lowered=lowered: {
            k: changed(v, **lowered) for k, v in real(c, f).items()})
        with pytest.raises(AssertionError, match=r"maximum loss|its most"):
            check_contract(src, Run(), 1, 2, 2)
