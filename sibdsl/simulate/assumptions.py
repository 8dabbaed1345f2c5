"""Simulation (phase 6): the assumptions file -> `Assumptions`, or located problems.

Input: the text of a TOML file (docs/simulate.md gives the format) and the compiled contract
it is about. Output: `Assumptions` (what a scenario is drawn from), or `AssumptionError` with
every problem found, each at the line and column of the key it is about, with a hint
(did-you-mean for names the contract does not declare, the range of a chance, the unit a delay
needs). tomllib keeps no positions, so `key_positions` finds each key path in the text with a
small scanner of its own (table headers, dotted keys, inline tables).
"""

from __future__ import annotations

import decimal
import difflib
import math
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any, Literal

from sibdsl.core.calendar import add_duration
from sibdsl.core.money import wide
from sibdsl.model.contract import CohortLevelTariff, Contract, PerUnitTariff, SlidingTariff

Path = tuple[str, ...]
UNITS = {"day": "days", "days": "days", "week": "weeks", "weeks": "weeks", "month": "months",
         "months": "months", "year": "years", "years": "years"}
DAYS_IN = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
LARGEST = 10**12  # the largest number read (a chance, a referral count, a measured figure)
LONGEST = 100_000  # the longest delay, in its unit
MOST_REFERRALS = 100_000  # referrals per settlement period
NO_COHORT = "participants"  # the cohort table's name for a contract that declares no cohort


@dataclass(frozen=True)
class Problem:
    """One problem of an assumptions file, at its line and column, with its diagnostic code:
    SIB750 the file cannot be read or is not TOML, SIB751 a name the contract (or the format)
    does not have, SIB752 a value that cannot be used (docs/diagnostics.md)."""

    line: int
    column: int
    message: str
    hint: str = ""
    code: str = "SIB752"


class AssumptionError(Exception):
    def __init__(self, file: str, text: str, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in {file}")
        self.file, self.text, self.problems = file, text, problems

    def render(self) -> str:
        lines = self.text.splitlines()
        out = []
        for p in self.problems:
            block = [f"{self.file}:{p.line}:{p.column}: error[{p.code}]: {p.message}"]
            if 1 <= p.line <= len(lines):
                source = lines[p.line - 1]
                gutter = " " * len(str(p.line))
                word = re.match(r'[A-Za-z0-9_."-]+', source[p.column - 1:])
                width = max(1, len(word.group(0)) if word else 1)
                block += [f" {gutter} |", f" {p.line} | {source}", f" {gutter} | {' ' * (p.column - 1)}{'^' * width}"]
            if p.hint:
                block.append(f" {' ' * len(str(p.line))} = hint: {p.hint}")
            out.append("\n".join(block))
        return "\n\n".join(out)


# ---------------------------------------------------------------- positions of keys in the text

_KEY = r'(?:[A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\')'
_DOTTED = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")


def _split_key(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(rf"{_KEY}", text)]


def _record(found: dict[Path, tuple[int, int]], prefix: Path, text: str, ln: int, column: int) -> Path:
    """Record each component of the dotted key `text` (starting at `column`) after `prefix`, at
    the column of that component; returns the full path."""
    path = prefix
    for m in re.finditer(_KEY, text):
        path = (*path, m.group(0).strip("\"'"))
        found.setdefault(path, (ln, column + m.start()))
    return path


def key_positions(text: str) -> dict[Path, tuple[int, int]]:
    """Each key path of a TOML text -> (line, column) of its key, both from 1. Table headers,
    dotted keys and keys of inline tables are found; keys inside arrays are not (their array's
    key stands for them)."""
    found: dict[Path, tuple[int, int]] = {}
    prefix: Path = ()
    for ln, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            inner = stripped.lstrip("[").split("]")[0]
            prefix = _record(found, (), inner, ln, indent + 1 + len(stripped) - len(stripped.lstrip("[")))
            continue
        m = _DOTTED.match(stripped)
        if m is None:
            continue
        path = _record(found, prefix, m.group(1), ln, indent + 1 + m.start(1))
        _inline(line, indent + m.end(), path, ln, found)
    return found


def _inline(line: str, at: int, path: Path, ln: int, found: dict[Path, tuple[int, int]]) -> None:
    stack: list[Path] = []
    current = path
    i = at
    while i < len(line):
        ch = line[i]
        if ch in "\"'":
            end = line.find(ch, i + 1)
            i = len(line) if end < 0 else end + 1
            continue
        if ch == "#":
            return
        if ch == "{":
            stack.append(current)
        elif ch == "}" and stack:
            stack.pop()
        elif stack and (ch.isalnum() or ch == "_"):
            m = _DOTTED.match(line, i)
            if m and line[i - 1] in "{, \t":
                current = _record(found, stack[-1], m.group(1), ln, i + 1 + m.start(1) - i)
                i = m.end()
                continue
            while i < len(line) and (line[i].isalnum() or line[i] in "_.-:"):
                i += 1
            continue
        i += 1


# ---------------------------------------------------------------- the assumptions

@dataclass(frozen=True)
class Dist:
    """A number drawn per scenario: fixed, uniform between two values, or normal (mean, sd)."""

    kind: Literal["fixed", "uniform", "normal"]
    a: float
    b: float = 0.0

    def draw(self, rng: Random) -> float:
        if self.kind == "fixed":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        return rng.gauss(self.a, self.b)


@dataclass(frozen=True)
class Delay:
    """A delay: a fixed calendar duration (`3 months` counts as the contract counts it), or
    days drawn from a distribution (months as 365.25/12 days), never below 0."""

    fixed: tuple[int, str] | None = None
    days: Dist | None = None

    def after(self, rng: Random, day: date) -> date:
        if self.fixed is not None:
            amount, unit = self.fixed
            return add_duration(day, _Dur(amount, unit))
        assert self.days is not None
        try:
            return day + timedelta(days=max(0, round(self.days.draw(rng))))
        except OverflowError:
            return date.max


@dataclass(frozen=True)
class _Dur:
    amount: int
    unit: str


ZERO_DELAY = Delay(fixed=(0, "days"))


@dataclass(frozen=True)
class OutcomeAssumption:
    name: str
    chance: float = 0.0
    delay: Delay = ZERO_DELAY
    value: Dist | None = None
    again: float = 0.0  # the chance of each further achievement of a repeatable outcome
    again_delay: Delay = ZERO_DELAY
    measured: date | None = None  # cohort-level outcomes: the date of the result
    baseline: Dist | None = None
    observed: Dist | None = None
    by_subgroup: tuple[tuple[str, float], ...] = ()  # `chance = {women = 0.6, men = 0.5}`: overrides `chance`

    def chance_for(self, subgroup: str | None) -> float:
        """The chance for a participant of this sub-group (`chance` where none is given for it)."""
        for name, value in self.by_subgroup:
            if name == subgroup:
                return value
        return self.chance

    @property
    def highest(self) -> float:
        return max([self.chance, *(v for _, v in self.by_subgroup)])


@dataclass(frozen=True)
class CohortAssumption:
    name: str
    referrals: tuple[float, ...]  # per settlement period of the referral window; one value: every period
    every_period: bool
    vary: Literal["fixed", "poisson"] = "fixed"
    subgroups: tuple[tuple[str, float], ...] = ()
    dropout: float = 0.0
    dropout_after: Delay = ZERO_DELAY


@dataclass(frozen=True)
class RequestAssumption:
    """A request to draw a discretionary tranche: made with `chance`, on `requested`, for `amount`."""

    tranche: str
    chance: float
    requested: date
    amount: Dist


@dataclass(frozen=True)
class Assumptions:
    cohorts: dict[str, CohortAssumption]
    outcomes: dict[str, OutcomeAssumption]
    requests: tuple[RequestAssumption, ...] = ()
    places: int = 2  # decimal places of drawn values and measurements
    file: str = ""


# ---------------------------------------------------------------- reading and checking

class _Checker:
    def __init__(self, text: str, contract: Contract) -> None:
        self.positions = key_positions(text)
        self.problems: list[Problem] = []
        self.contract = contract

    def at(self, path: Path) -> tuple[int, int]:
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return (1, 1)

    def bad(self, path: Path, message: str, hint: str = "", code: str = "SIB752") -> None:
        line, column = self.at(path)
        self.problems.append(Problem(line, column, message, hint, code))

    def unknown(self, path: Path, what: str, known: list[str]) -> None:
        name = path[-1]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else (
            f"known: {', '.join(known)}" if known else f"the contract declares no {what}")
        self.bad(path, f"unknown {what} '{name}'", hint, "SIB751")

    def keys(self, table: dict[str, Any], path: Path, allowed: list[str]) -> None:
        for key in table:
            if key not in allowed:
                self.unknown((*path, key), "key", allowed)

    def table(self, value: Any, path: Path) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(path, f"'{'.'.join(path)}' should be a table", f"write [{'.'.join(path)}] and its keys below it")
            return None
        return value

    def named(self, raw: Any, section: str, what: str, known: list[str]
              ) -> Iterator[tuple[str, Path, dict[str, Any]]]:
        """The tables of a section (`[outcomes.NAME]`) whose NAME is one of `known`, each with
        its path; an unknown name or a value that is not a table is reported and skipped."""
        table = self.table(raw, (section,))
        if table is None:
            return
        for name, body in table.items():
            path = (section, name)
            if name not in known:
                self.unknown(path, what, known)
                continue
            t = self.table(body, path)
            if t is not None:
                yield name, path, t

    def number(self, value: Any, path: Path, low: float | None = None, high: float | None = None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.bad(path, f"'{path[-1]}' should be a number, not {_shown(value)}")
            return None
        if not -LARGEST <= value <= LARGEST or not math.isfinite(value):
            self.bad(path, f"'{path[-1]}' is too large: at most {LARGEST:,} either way")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"between {_num(low)} and {_num(high)}" if high is not None else f"at least {_num(low)}"
            self.bad(path, f"'{path[-1]}' is {_num(value)}; it must be {span}",
                     "a chance is a probability from 0 to 1 (0.25 for 25%)" if high == 1 else "")
            return None
        return float(value)

    def chance(self, value: Any, path: Path) -> float | None:
        return self.number(value, path, 0, 1)

    def dist(self, value: Any, path: Path) -> Dist | None:
        """A number, {uniform = [a, b]} or {normal = [mean, sd]}."""
        if isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in ("uniform", "normal"):
                self.bad(path, f"'{path[-1]}' should be a number, {{uniform = [low, high]}} or {{normal = [mean, sd]}}")
                return None
            kind = next(iter(value))
            pair = value[kind]
            if not isinstance(pair, list) or len(pair) != 2:
                self.bad((*path, kind), f"{kind} takes two numbers: [{'low, high' if kind == 'uniform' else 'mean, sd'}]")
                return None
            a, b = (self.number(x, (*path, kind)) for x in pair)
            if a is None or b is None:
                return None
            if (kind == "uniform" and b < a) or (kind == "normal" and b < 0):
                self.bad((*path, kind), f"{kind} [{_num(a)}, {_num(b)}]: "
                         + ("the low end is above the high end" if kind == "uniform" else "a negative sd"))
                return None
            return Dist(kind, a, b)
        n = self.number(value, path)
        return None if n is None else Dist("fixed", n)

    def duration(self, value: Any, path: Path) -> tuple[int, str] | None:
        if isinstance(value, (bool, int, float)):
            self.bad(path, f"the delay {_num(value)} has no unit",
                     f"write it with its unit: \"{_num(value)} days\", \"{_num(value)} weeks\" or \"{_num(value)} months\"")
            return None
        if not isinstance(value, str):
            self.bad(path, f"'{path[-1]}' should be a duration such as \"3 months\", not {_shown(value)}")
            return None
        m = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", value)
        if m is None:
            self.bad(path, f"cannot read the duration \"{value}\"", "a whole number and a unit: \"13 weeks\"")
            return None
        if int(m.group(1)) > LONGEST:
            self.bad(path, f"the delay \"{value}\" is too long", f"at most {LONGEST:,} of a unit")
            return None
        if not m.group(2):
            self.bad(path, f"the delay \"{value}\" has no unit", f"write \"{m.group(1)} days\", \"{m.group(1)} weeks\" "
                     f"or \"{m.group(1)} months\"")
            return None
        unit = UNITS.get(m.group(2).lower())
        if unit is None:
            close = difflib.get_close_matches(m.group(2).lower(), list(UNITS), n=1)
            self.bad(path, f"unknown unit '{m.group(2)}' in \"{value}\"",
                     f"did you mean '{close[0]}'?" if close else "days, weeks, months or years")
            return None
        return int(m.group(1)), unit

    def delay(self, value: Any, path: Path) -> Delay | None:
        """\"3 months\", {uniform = [\"1 month\", \"3 months\"]} or {normal = [\"3 months\", \"2 weeks\"]}."""
        if isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in ("uniform", "normal"):
                self.bad(path, f"'{path[-1]}' should be a duration, {{uniform = [from, to]}} or "
                         "{normal = [mean, sd]}", 'for example {uniform = ["1 month", "3 months"]}')
                return None
            kind = next(iter(value))
            pair = value[kind]
            if not isinstance(pair, list) or len(pair) != 2:
                self.bad((*path, kind), f"{kind} takes two durations: [{'from, to' if kind == 'uniform' else 'mean, sd'}]")
                return None
            ends = [self.duration(x, (*path, kind)) for x in pair]
            if ends[0] is None or ends[1] is None:
                return None
            a, b = (n * DAYS_IN[u] for n, u in ends)  # type: ignore[misc]
            if kind == "uniform" and b < a:
                self.bad((*path, kind), f"uniform [{pair[0]}, {pair[1]}]: the first is longer than the second")
                return None
            return Delay(days=Dist(kind, a, b))
        fixed = self.duration(value, path)
        return None if fixed is None else Delay(fixed=fixed)


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else repr(x)


def _shown(value: Any) -> str:
    return {str: "text", list: "a list", dict: "a table", bool: "true/false"}.get(type(value), type(value).__name__)


_TOP = ["cohorts", "outcomes", "tranches", "places"]
_COHORT = ["referrals", "vary", "subgroups", "dropout"]
_OUTCOME = ["chance", "delay", "value", "again", "again_delay"]
_MEASURED = ["measured", "baseline", "observed"]


def parse_assumptions(text: str, file: str, contract: Contract) -> Assumptions:
    """Read and check an assumptions file against the contract; raises `AssumptionError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "invalid TOML"
        line, column = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        raise AssumptionError(file, text, [Problem(line, column, f"not TOML: {message}",
                                                   "see docs/simulate.md for the format", "SIB750")]) from None
    c = _Checker(text, contract)
    c.keys(data, (), _TOP)
    places = 2
    if "places" in data:
        n = c.number(data["places"], ("places",), 0, 10)
        places = int(n) if n is not None else 2
    cohorts = _cohorts(c, data.get("cohorts", {}))
    outcomes = _outcomes(c, data.get("outcomes", {}))
    requests = _requests(c, data.get("tranches", {}))
    if not cohorts and not any(o.measured for o in outcomes.values()) and not c.problems:
        c.bad(("cohorts",), "no cohort has referrals: nothing would be simulated",
              f"add [cohorts.{contract.cohorts[0].name if contract.cohorts else NO_COHORT}] with referrals = N")
    if c.problems:
        raise AssumptionError(file, text, c.problems)
    return Assumptions(cohorts, outcomes, requests, places, file)


def _cohorts(c: _Checker, raw: Any) -> dict[str, CohortAssumption]:
    out: dict[str, CohortAssumption] = {}
    declared = {k.name: k for k in c.contract.cohorts}
    for name, path, t in c.named(raw, "cohorts", "cohort", list(declared) or [NO_COHORT]):
        c.keys(t, path, _COHORT)
        if "referrals" not in t:
            c.bad(path, f"cohort '{name}' has no referrals", "referrals = 30 (each settlement period), or a list "
                  "per period: referrals = [10, 20, 30]")
            continue
        r = t["referrals"]
        every = not isinstance(r, list)
        values = [c.number(x, (*path, "referrals"), 0, MOST_REFERRALS) for x in (r if isinstance(r, list) else [r])]
        vary = t.get("vary", "fixed")
        if vary not in ("fixed", "poisson"):
            c.bad((*path, "vary"), f"vary is \"fixed\" or \"poisson\", not {vary!r}")
            vary = "fixed"
        mix: list[tuple[str, float]] = []
        subs = [s.name for s in declared[name].subgroups] if name in declared else []
        if "subgroups" in t and (st := c.table(t["subgroups"], (*path, "subgroups"))) is not None:
            for sub, share in st.items():
                if sub not in subs:
                    c.unknown((*path, "subgroups", sub), "sub-group", subs)
                    continue
                v = c.number(share, (*path, "subgroups", sub), 0, 1)
                if v is not None:
                    mix.append((sub, v))
            total = sum(v for _, v in mix)
            if mix and abs(total - 1) > 1e-9 and len(mix) == len(st):
                c.bad((*path, "subgroups"), f"the sub-group shares add up to {_num(round(total, 9))}, not 1",
                      "give each sub-group's share of the referrals; they add up to 1")
        dropout, after = 0.0, ZERO_DELAY
        if "dropout" in t and (dt := c.table(t["dropout"], (*path, "dropout"))) is not None:
            c.keys(dt, (*path, "dropout"), ["chance", "after"])
            dropout = c.chance(dt.get("chance", 0), (*path, "dropout", "chance")) or 0.0
            if "after" in dt:
                after = c.delay(dt["after"], (*path, "dropout", "after")) or ZERO_DELAY
            else:
                c.bad((*path, "dropout"), "dropout needs 'after': when a participant drops out, after referral",
                      'after = {uniform = ["0 days", "12 months"]}')
        if all(v is not None for v in values):
            out[name] = CohortAssumption(name, tuple(v for v in values if v is not None), every, vary,
                                         tuple(mix), dropout, after)
    return out


def _outcomes(c: _Checker, raw: Any) -> dict[str, OutcomeAssumption]:
    out: dict[str, OutcomeAssumption] = {}
    declared = {o.name: o for o in c.contract.outcomes}
    for name, path, t in c.named(raw, "outcomes", "outcome", list(declared)):
        o = declared[name]
        if isinstance(o.tariff, CohortLevelTariff):
            c.keys(t, path, _MEASURED)
            day = t.get("measured")
            if not isinstance(day, date):
                c.bad((*path, "measured") if "measured" in t else path,
                      f"cohort-level outcome '{name}' needs the date of its result: measured = YYYY-MM-DD")
                continue
            if o.pooled:
                for key in ("baseline", "observed"):
                    if key in t:
                        c.bad((*path, key), f"'{name}' is pooled from its cohorts' results: no {key} of its own")
                out[name] = OutcomeAssumption(name, measured=day)
                continue
            dists = {}
            for key in ("baseline", "observed"):
                if key not in t:
                    c.bad(path, f"cohort-level outcome '{name}' needs '{key}' (a number or a distribution)")
                else:
                    dists[key] = c.dist(t[key], (*path, key))
            if dists.get("baseline") is not None and dists.get("observed") is not None:
                out[name] = OutcomeAssumption(name, measured=day, baseline=dists["baseline"],
                                              observed=dists["observed"])
            continue
        c.keys(t, path, _OUTCOME)
        if "chance" not in t:
            c.bad(path, f"outcome '{name}' has no chance", "chance = 0.6: the chance a participant reaches it, once "
                  "its prerequisites are reached")
            continue
        by_subgroup: list[tuple[str, float]] = []
        if isinstance(t["chance"], dict):  # per sub-group, `otherwise` for the rest
            subs = sorted({s.name for k in c.contract.cohorts for s in k.subgroups})
            chance: float | None = 0.0
            for sub, value in t["chance"].items():
                if sub != "otherwise" and sub not in subs:
                    c.unknown((*path, "chance", sub), "sub-group", [*subs, "otherwise"])
                    continue
                v = c.chance(value, (*path, "chance", sub))
                if v is not None and sub == "otherwise":
                    chance = v
                elif v is not None:
                    by_subgroup.append((sub, v))
        else:
            chance = c.chance(t["chance"], (*path, "chance"))
        delay = c.delay(t["delay"], (*path, "delay")) if "delay" in t else ZERO_DELAY
        value = None
        if isinstance(o.tariff, (SlidingTariff, PerUnitTariff)):
            if "value" not in t:
                c.bad(path, f"the price of '{name}' depends on a measured value: give value = a number or a "
                      "distribution")
            else:
                value = c.dist(t["value"], (*path, "value"))
        elif "value" in t:
            c.bad((*path, "value"), f"the price of '{name}' reads no value", "remove value")
        again = c.chance(t.get("again", 0), (*path, "again")) if "again" in t else 0.0
        if "again" in t and (o.times_limit == 1):
            c.bad((*path, "again"), f"'{name}' is paid once per participant: 'again' has no effect",
                  "again is for outcomes paid up to N times or any number of times")
        again_delay = c.delay(t["again_delay"], (*path, "again_delay")) if "again_delay" in t else ZERO_DELAY
        if chance is not None and delay is not None and again is not None and again_delay is not None:
            out[name] = OutcomeAssumption(name, chance, delay, value, again, again_delay,
                                          by_subgroup=tuple(by_subgroup))
    return out


def _requests(c: _Checker, raw: Any) -> tuple[RequestAssumption, ...]:
    out: list[RequestAssumption] = []
    declared = {t.name: t for t in c.contract.tranches}
    for name, path, t in c.named(raw, "tranches", "tranche", list(declared)):
        if not declared[name].discretionary:
            c.bad(path, f"tranche '{name}' is released by the contract's own terms (a date or a condition)",
                  "only a tranche drawn at someone's discretion takes a request")
            continue
        c.keys(t, path, ["chance", "requested", "amount"])
        chance = c.chance(t.get("chance", 1), (*path, "chance")) if "chance" in t else 1.0
        day = t.get("requested")
        if not isinstance(day, date):
            c.bad((*path, "requested") if "requested" in t else path,
                  f"the request for '{name}' needs its date: requested = YYYY-MM-DD")
            continue
        if "amount" not in t:
            c.bad(path, f"the request for '{name}' needs an amount (a number or a distribution)")
            continue
        amount = c.dist(t["amount"], (*path, "amount"))
        if chance is not None and amount is not None:
            out.append(RequestAssumption(name, chance, day, amount))
    return tuple(out)


def load_assumptions(path: str, contract: Contract) -> Assumptions:
    """Read the file (UTF-8) and check it; raises `AssumptionError` (also for a file that
    cannot be read)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise AssumptionError(path, "", [Problem(1, 1, f"cannot read the assumptions file: {reason}",
                                                 "check the path; the file is UTF-8 TOML (docs/simulate.md)",
                                                 "SIB750")]) from None
    return parse_assumptions(text, path, contract)


def value_decimal(x: float, places: int) -> Decimal:
    """A drawn value as the Decimal a ledger would carry: rounded to `places`."""
    with decimal.localcontext(wide()):
        return Decimal(repr(round(x, places))).quantize(Decimal(1).scaleb(-places))
