"""Reporting: what `sibc explain` prints, for a diagnostic code or a settlement reason.

Input: what the user typed: a code (`SIB101`, `sib101`, `101`, `SIB-101`) or a settlement
reason (`cap_reached`, `CAP_REACHED`, `cap-reached`, `cap reached`, its words in the summary,
`repeat limit reached`, or a status only it has, `paid in part`). Output: `explain(key)`, an
`ExplainResult` holding the catalogue entry as text, or an error message with "did you mean"
suggestions; `listing()`, the lines of `sibc explain --list` (every code, then every reason).
Entries come from `sibdsl.core.codes`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sibdsl.core.codes import CATALOGUE, REASONS, RULE_BOOK, CodeInfo, ReasonCode, ReasonInfo

_CODE = re.compile(r"(SIB)?(\d+)")
_SEPARATORS = re.compile(r"[\s_-]+")
_SHOWN = 40  # characters of an unknown key repeated in the error message


@dataclass(frozen=True, slots=True)
class ExplainResult:
    """The entry to print (`found`), or why nothing was found, with the closest keys."""

    found: bool
    text: str
    suggestions: tuple[str, ...] = ()


def code_key(key: str) -> str:
    """`sib 101`, `SIB-101`, `101`, `0101` -> `SIB101`; anything else upper-cased, separators dropped."""
    compact = _SEPARATORS.sub("", key).upper()
    match = _CODE.fullmatch(compact)
    if match is None:
        return compact
    digits = match.group(2).lstrip("0") or "0"
    return f"SIB{int(digits):03d}" if len(digits) <= 3 else f"SIB{digits}"


def reason_key(key: str) -> str:
    """`Cap-Reached`, `cap reached`, ` CAP_REACHED ` -> `cap_reached`."""
    return _SEPARATORS.sub("_", key.lower()).strip("_")


def _by_words() -> dict[str, ReasonCode]:
    """A reason by the words of its title, or of its status where only it has that status
    (`paid in part` is `cap_partial`)."""
    words: dict[str, ReasonCode] = {reason_key(entry.title): entry.reason for entry in REASONS.values()}
    statuses = [entry.status for entry in REASONS.values()]
    for entry in REASONS.values():
        if statuses.count(entry.status) == 1:
            words.setdefault(reason_key(entry.status), entry.reason)
    return words


_BY_WORDS = _by_words()


def code_text(entry: CodeInfo) -> str:
    lines = [f"{entry.code}: {entry.title} ({entry.severity_name}, {entry.phase} phase)", "", entry.explanation]
    if entry.example:
        lines += ["", "Example:", "", *(f"    {line}" for line in entry.example.splitlines())]
    return "\n".join(lines)


def reason_text(entry: ReasonInfo) -> str:
    sections = "; ".join(ref.words for ref in entry.rule_book)
    return "\n".join([f"{entry.reason}: {entry.title} (settlement reason, {entry.status})", "", entry.explanation,
                      "", f"Decides {entry.decides}.", f"Rule book: {RULE_BOOK}, {sections}."])


def _suggest(key: str) -> tuple[str, ...]:
    code = code_key(key)
    if _CODE.fullmatch(code) or code.startswith("SIB"):
        return tuple(difflib.get_close_matches(code, list(CATALOGUE), n=3, cutoff=0.5))
    words = reason_key(key)
    found = difflib.get_close_matches(words, list(REASONS), n=3, cutoff=0.6)
    found += [_BY_WORDS[w] for w in difflib.get_close_matches(words, list(_BY_WORDS), n=3, cutoff=0.6)]
    return tuple(dict.fromkeys(found))[:3]


def explain(key: str) -> ExplainResult:
    """The catalogue entry of a code or a settlement reason, or an error with suggestions."""
    code = code_key(key)
    if code in CATALOGUE:
        return ExplainResult(True, code_text(CATALOGUE[code]))
    words = reason_key(key)
    reason = REASONS.get(words) or REASONS.get(_BY_WORDS.get(words, ""))
    if reason is not None:
        return ExplainResult(True, reason_text(reason))
    shown = key if len(key) <= _SHOWN else key[:_SHOWN] + "..."
    suggestions = _suggest(key)
    advice = (f"did you mean {', '.join(suggestions)}?" if suggestions
              else "`sibc explain --list` lists them all")
    return ExplainResult(False, f"unknown code or settlement reason {shown!r}; {advice}", suggestions)


def listing() -> list[str]:
    """Every code with its severity, phase and title; then every settlement reason with its status."""
    lines = [f"{e.code}  {e.severity_name:<7}  {e.phase:<11} {e.title}" for e in CATALOGUE.values()]
    lines += ["", "Settlement reasons (the reason of a decision in decisions.csv):"]
    lines += [f"{e.reason:<24} {e.status:<12}  {e.title}" for e in REASONS.values()]
    return lines
