"""Editor support: generate the TextMate grammar of the .sib language from its lark grammar.

Input: the terminals of grammar/sib.lark (through `sibdsl.syntax.grammar.get_parser()`), plus
the table below that gives each multi-word phrase and each kind of word its TextMate scope.
Output: editors/vscode/syntaxes/sib.tmLanguage.json (scopeName `source.sib`), written with
`python editors/vscode/syntaxes/generate.py`; `--check` exits 1 if the committed file is stale.

Every quoted keyword of the lark grammar becomes a keyword of the TextMate grammar
automatically, so a keyword added to sib.lark only needs this script re-run; a new regex
terminal (a phrase) must be added to PHRASES, and tests/test_editor_grammar.py fails until it is.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "sib.tmLanguage.json"

WORD = "A-Za-z0-9_"
NOT_AFTER_WORD = f"(?<![{WORD}])"
NOT_BEFORE_WORD = f"(?![{WORD}])"
NAME = "[a-z_][A-Za-z0-9_]*"
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"  # NUMBER of sib.lark, same alternation order
SCALE = "million|billion|thousand|bn|m|k"

# Multi-word keywords (the regex terminals of sib.lark): each spelling as a list of words
# (a word may itself contain a hyphen), and the scope. Order matters only between phrases that
# start with the same word; the longer spelling is tried first.
KW_OTHER = "keyword.other.sib"
KW_CONTROL = "keyword.control.sib"
PHRASES: dict[str, tuple[str, list[str]]] = {
    "NOT_IF_HELD_AT_REFERRAL": (KW_CONTROL, ["not if held at referral"]),
    "HELD_AT_REFERRAL": (KW_CONTROL, ["held at referral"]),
    "IF_PAID": (KW_CONTROL, ["if paid"]),
    "IN_PROPORTION": (KW_OTHER, [f"in proportion to {w} {m}" for w in ("its", "their")
                                 for m in ("maximum", "maxima")]),
    "IN_ADDITION_TO": (KW_OTHER, ["in addition to"]),
    "IN_ARREARS": (KW_OTHER, ["in arrears"]),
    "IN_ADVANCE": (KW_OTHER, ["in advance"]),
    "AT_MOST": (KW_OTHER, ["at most"]),
    "AT_LEAST": (KW_OTHER, ["at least"]),
    "AT_MATURITY": (KW_OTHER, ["at maturity"]),
    "UP_TO": (KW_OTHER, ["up to"]),
    "PER_PARTICIPANT": (KW_OTHER, ["per participant"]),
    "PER_INVOICE": (KW_OTHER, ["per invoice"]),
    "PER_CLAIM": (KW_OTHER, ["per claim"]),
    "TRIGGERED_BY": (KW_OTHER, ["triggered by"]),
    "SEPARATE_FROM": (KW_OTHER, ["separate from"]),
    "COUNTED_WITHIN": (KW_OTHER, ["counted within"]),
    "FOR_COHORT": (KW_OTHER, ["for cohorts", "for cohort"]),
    "POOLED_OVER": (KW_OTHER, ["pooled over"]),
    "NET_OF": (KW_OTHER, ["net of"]),
    "CLAIMS_UNTIL": (KW_OTHER, ["claims until"]),
    "RUN_OFF": (KW_OTHER, ["run-off"]),
    "OF_EACH_PAYMENT": (KW_OTHER, ["of each outcome payment", "of each payment"]),
    "OF_PRINCIPAL": (KW_OTHER, ["of principal"]),
    "SCALED_BY": (KW_OTHER, ["on a sliding scale of", "scaled by"]),
    "A_YEAR": (KW_OTHER, ["a year", "each year"]),
    "LARGEST_SHARE": (KW_OTHER, ["the largest share", "largest share"]),
    "MEASURED_EACH_PERIOD": (KW_OTHER, ["measured each settlement period", "measured each period"]),
    "MEASURED_OVER_THE_CONTRACT": (KW_OTHER, ["measured over the whole contract",
                                              "measured over the contract"]),
    "ROUND_MODE": ("keyword.other.rounding-mode.sib",
                   [f"half{sep}{m}" for m in ("up", "even", "down") for sep in (" ", "-")] + ["down"]),
    "GUARANTEED_BY": (KW_OTHER, ["guaranteed by"]),
    "RETURNS_AT_MOST": (KW_OTHER, ["returns at most"]),
    "PRINCIPAL_PROTECTED": (KW_OTHER, ["principal protected"]),
    "FIRST_LOSS": (KW_OTHER, ["first loss"]),
    "LOSES_AT_MOST": (KW_OTHER, ["loses at most"]),
    "LOSES_NOTHING": (KW_OTHER, ["loses nothing"]),
}
# Terminals of sib.lark that are not keywords; each is highlighted by a rule of its own below.
OTHER_TERMINALS = frozenset({
    "WS", "COMMENT", "STRING", "LONG_STRING", "NAME", "POSSESSIVE", "CURRENCY", "MONEY_SYMBOL",
    "SCALE", "DATE", "NUMBER", "ADD_OP", "MUL_OP", "LPAR", "RPAR", "COMMA", "COLON", "PERCENT",
})
# `up` alone is a rounding mode (ROUND_MODE's `up\b(?!\s+to\b)`); `up to` is UP_TO, tried first.
ROUND_UP = r"up(?!\s+to" + NOT_BEFORE_WORD + ")"

# Single words: the scope of a keyword, by word; every other keyword is keyword.other.sib.
CONTROL_WORDS = {"after", "when", "until", "then", "otherwise", "within", "before", "where"}
LOGICAL_WORDS = {"and", "or"}
UNIT_WORDS = ["days", "day", "weeks", "week", "months", "month", "years", "year", "participants",
              "participant", "outcomes", "times", "time"]

# Declarations (docs/language.md 1): the keyword that starts one, and for those that declare a
# name, the scope of that name.
DECLARED_NAME_SCOPE = {
    "payer": "entity.name.type.party.sib", "provider": "entity.name.type.party.sib",
    "intermediary": "entity.name.type.party.sib", "validator": "entity.name.type.party.sib",
    "investor": "entity.name.type.investor.sib", "cohort": "entity.name.namespace.cohort.sib",
    "outcome": "entity.name.function.outcome.sib", "reset": "entity.name.function.reset.sib",
    "tranche": "entity.name.function.tranche.sib",
}
SUBGROUP_SCOPE = "entity.name.namespace.subgroup.sib"
DECLARATION_SCOPE = "storage.type.declaration.sib"


def alternation(words: list[str]) -> str:
    """A regex alternation of the words, longest first, spaces as any run of blanks."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(r"\s+".join(re.escape(part) for part in w.split(" ")) for w in ordered)


def lark_keywords() -> list[str]:
    """Every quoted keyword of sib.lark that is a word (`"outcome"`, `"half-yearly"`)."""
    from sibdsl.syntax.grammar import get_parser

    out = []
    for term in get_parser().terminals:
        pattern: Any = term.pattern
        if pattern.type == "str" and pattern.value[:1].isalpha():
            out.append(pattern.value)
    return sorted(set(out))


def lark_regex_terminals() -> list[str]:
    from sibdsl.syntax.grammar import get_parser

    return sorted(t.name for t in get_parser().terminals if getattr(t.pattern, "type", "") == "re")


def top_level_keywords() -> list[str]:
    from sibdsl.syntax.grammar import TOP_LEVEL

    return list(TOP_LEVEL)


def word(regex: str) -> str:
    return f"{NOT_AFTER_WORD}(?:{regex}){NOT_BEFORE_WORD}"


def phrase_rules() -> list[dict[str, Any]]:
    """One match rule per phrase on one line, and a begin/end rule per place a phrase may break
    over a line end (the lexer's \\s+ spans line breaks): `at` at the end of a line, `most` at
    the start of the next."""
    rules: list[dict[str, Any]] = []
    spellings = [(scope, s) for scope, ss in PHRASES.values() for s in ss]
    # longer spellings first, so that `at most` is not read as `at` and `returns at most` wins
    spellings.sort(key=lambda p: (-len(p[1]), p[1]))
    for scope, spelling in spellings:
        rules.append({"match": word(alternation([spelling])), "name": scope})
    for scope, spelling in spellings:
        parts = spelling.split(" ")
        for k in range(1, len(parts)):
            head, tail = " ".join(parts[:k]), " ".join(parts[k:])
            rules.append({
                "begin": f"{NOT_AFTER_WORD}({alternation([head])})[ \\t]*$",
                "beginCaptures": {"1": {"name": scope}},
                "end": f"({alternation([tail])}){NOT_BEFORE_WORD}|(?=\\S)",
                "endCaptures": {"1": {"name": scope}},
            })
    return rules


def build() -> dict[str, Any]:
    keywords = lark_keywords()
    reserved = alternation([*keywords, "million", "billion", "thousand", "bn", "m", "k"])
    declared_name = f"(?!(?:{reserved}){NOT_BEFORE_WORD})({NAME}){NOT_BEFORE_WORD}(?!['’])"
    top = top_level_keywords()
    naming = sorted(DECLARED_NAME_SCOPE)
    other = [k for k in keywords if k not in CONTROL_WORDS | LOGICAL_WORDS]

    declaration_rules: list[dict[str, Any]] = []
    for kw in naming:
        # at the start of a line (how every declaration is laid out), or before its title
        declaration_rules.append({
            "match": f"^[ \\t]*({re.escape(kw)})\\s+{declared_name}",
            "captures": {"1": {"name": DECLARATION_SCOPE}, "2": {"name": DECLARED_NAME_SCOPE[kw]}},
        })
    for kw in naming:
        if kw == "tranche":
            continue  # a tranche has no title; `tranche x is released before y` is a reference
        declaration_rules.append({
            "match": f"{NOT_AFTER_WORD}({re.escape(kw)})\\s+{declared_name}(?=\\s*\")",
            "captures": {"1": {"name": DECLARATION_SCOPE}, "2": {"name": DECLARED_NAME_SCOPE[kw]}},
        })
    declaration_rules.append({
        "match": f"^[ \\t]*(subgroup)\\s+{declared_name}",
        "captures": {"1": {"name": KW_OTHER}, "2": {"name": SUBGROUP_SCOPE}},
    })
    declaration_rules.append({
        "match": f"^[ \\t]*({alternation(top)}){NOT_BEFORE_WORD}",
        "captures": {"1": {"name": DECLARATION_SCOPE}},
    })

    repository: dict[str, Any] = {
        "comment": {
            "match": "(#).*$",
            "name": "comment.line.number-sign.sib",
            "captures": {"1": {"name": "punctuation.definition.comment.sib"}},
        },
        "long-string": {
            "begin": '"""', "end": '"""', "name": "string.quoted.triple.sib",
            "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.sib"}},
            "endCaptures": {"0": {"name": "punctuation.definition.string.end.sib"}},
        },
        "string": {
            # one line only: a quote left open ends at the end of the line (SIB013)
            "begin": '"', "end": '(")|$', "name": "string.quoted.double.sib",
            "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.sib"}},
            "endCaptures": {"1": {"name": "punctuation.definition.string.end.sib"}},
            "patterns": [{"match": r"\\.", "name": "constant.character.escape.sib"}],
        },
        "curly-quotes": {
            # word processors' quotes are an error (SIB011): show them as such
            "match": "[“”‘]", "name": "invalid.illegal.curly-quote.sib",
        },
        "date": {
            "match": NOT_AFTER_WORD + r"\d{4}-\d{1,2}-\d{1,2}(?![0-9])",
            "name": "constant.numeric.date.sib",
        },
        "money": {
            "match": f"{NOT_AFTER_WORD}([A-Z]{{3}}{NOT_BEFORE_WORD}|[£€$])\\s*({NUMBER})"
                     f"(?:\\s*({SCALE}){NOT_BEFORE_WORD})?",
            "name": "constant.numeric.money.sib",
            "captures": {"1": {"name": "constant.other.currency.sib"},
                         "3": {"name": "constant.other.scale.sib"}},
        },
        "percentage": {
            "match": f"{NOT_AFTER_WORD}(?:{NUMBER})\\s*(%)",
            "name": "constant.numeric.percentage.sib",
            "captures": {"1": {"name": "constant.numeric.percentage.sign.sib"}},
        },
        "quantity": {
            "match": f"{NOT_AFTER_WORD}({NUMBER})\\s*({alternation(UNIT_WORDS)}){NOT_BEFORE_WORD}",
            "captures": {"1": {"name": "constant.numeric.quantity.sib"},
                         "2": {"name": "keyword.other.unit.sib"}},
        },
        "number": {"match": f"{NOT_AFTER_WORD}(?:{NUMBER})", "name": "constant.numeric.sib"},
        "declaration": {"patterns": declaration_rules},
        "phrase": {"patterns": [*phrase_rules(), {"match": word(ROUND_UP), "name": "keyword.other.rounding-mode.sib"}]},
        "keyword": {"patterns": [
            {"match": word(alternation(sorted(CONTROL_WORDS))), "name": KW_CONTROL},
            {"match": word(alternation(sorted(LOGICAL_WORDS))), "name": "keyword.operator.logical.sib"},
            {"match": word(alternation(other)), "name": KW_OTHER},
        ]},
        "possessive": {"match": f"{NOT_AFTER_WORD}[a-z_]+['’]s{NOT_BEFORE_WORD}",
                       "name": "variable.other.possessive.sib"},
        "currency": {"match": f"{NOT_AFTER_WORD}(?:[A-Z]{{3}}{NOT_BEFORE_WORD}|[£€$])",
                     "name": "constant.other.currency.sib"},
        "scale": {"match": word(SCALE), "name": "constant.other.scale.sib"},
        "name": {"match": f"{NOT_AFTER_WORD}{NAME}", "name": "variable.other.sib"},
        "bad-name": {
            # names are lower case (SIB011); three capitals alone are a currency code
            "match": f"{NOT_AFTER_WORD}[A-Z][A-Za-z0-9_]*", "name": "invalid.illegal.name.sib",
        },
        "operator": {"match": "[-+*×/]", "name": "keyword.operator.arithmetic.sib"},
        "percent-sign": {"match": "%", "name": "constant.numeric.percentage.sib"},
        "punctuation": {"patterns": [
            {"match": ",", "name": "punctuation.separator.comma.sib"},
            {"match": ":", "name": "punctuation.separator.colon.sib"},
            {"match": r"\(", "name": "punctuation.section.parens.begin.sib"},
            {"match": r"\)", "name": "punctuation.section.parens.end.sib"},
        ]},
    }
    order = ["comment", "long-string", "string", "curly-quotes", "date", "money", "percentage",
             "quantity", "number", "declaration", "phrase", "keyword", "possessive", "currency",
             "scale", "name", "bad-name", "operator", "percent-sign", "punctuation"]
    assert set(order) == set(repository)
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "sib",
        "scopeName": "source.sib",
        "fileTypes": ["sib"],
        "comment": "GENERATED by editors/vscode/syntaxes/generate.py from grammar/sib.lark: do not edit by hand.",
        "patterns": [{"include": f"#{key}"} for key in order],
        "repository": repository,
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def missing_phrases() -> list[str]:
    """Regex terminals of sib.lark that this script does not know (a new phrase)."""
    return [t for t in lark_regex_terminals() if t not in PHRASES and t not in OTHER_TERMINALS]


def main(argv: list[str]) -> int:
    unknown = missing_phrases()
    if unknown:
        print(f"generate.py: add these terminals of sib.lark to PHRASES: {', '.join(unknown)}", file=sys.stderr)
        return 1
    text = render()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.is_file() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run python editors/vscode/syntaxes/generate.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
