"""Analysis: what a ladder step needs, with prerequisite options read soundly (issue 10.2).

Input: a model `Outcome`. Output: its requirements, each a tuple of options of which one
must be paid first: a plain prerequisite is a tuple of one, `after a or b` the tuple (a, b).
A clause that can always be met is no requirement at all: `or held at referral` (the ledger
gives each participant's statuses at referral and its referral date, so an option held at
referral can stand for any option, its delays counted from a referral date as early as needed),
and `if paid` (the step is payable on its own; claimed before its option, no delay applies).
Dropping a clause can only make more outcomes reachable, so every figure stays an upper bound;
an exact figure still needs a settled witness (witness.py builds the held statuses it uses).
Resets restart clocks but pay nothing again, and the analysis does not count `by` limits for
reachability, so they raise no figure; `not if held at referral` only refuses claims (a
participant who held nothing at referral is refused none), so the maxima ignore it exactly.
"""

from __future__ import annotations

from sibdsl.model.contract import Outcome, Prerequisite


def needs(outcome: Outcome) -> list[tuple[str, ...]]:
    """The requirements of the step (each: one of these outcomes paid first), without repeats."""
    out: list[tuple[str, ...]] = []
    for p in outcome.prerequisites:
        if (p.outcome,) not in out:
            out.append((p.outcome,))
    for choice in outcome.choices:
        if choice.held_at_referral or choice.if_paid:
            continue
        names = tuple(dict.fromkeys(o.outcome for o in choice.options))
        if names not in out:
            out.append(names)
    return out


def timed_needs(outcome: Outcome) -> list[tuple[Prerequisite, ...]]:
    """The requirements with their delays: one tuple of options per binding clause."""
    out: list[tuple[Prerequisite, ...]] = [(p,) for p in outcome.prerequisites]
    out += [c.options for c in outcome.choices if not (c.held_at_referral or c.if_paid)]
    return out


def names_needed(outcome: Outcome) -> set[str]:
    """Every outcome some requirement of the step names."""
    return {name for need in needs(outcome) for name in need}
