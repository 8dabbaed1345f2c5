"""Language server: which kind of declared name the grammar expects at the cursor.

Input: the text up to the cursor. Output: `expected_names`, the kinds of name (outcome, payer,
cohort, ...) that fit where the cursor is, and the name of the declaration the cursor is in
(so that completion does not offer an outcome as its own prerequisite).

How: the LALR parser is fed the text, then one NAME token. The state it shifts into holds the
LR(0) items `rule: ... NAME . ...`: the rules this name would belong to. The parse table keeps
no items, only numbered states, so the LR(0) automaton is rebuilt once from the grammar's
rules and walked side by side with the table (`_items`). A rule that says what its name is
(`prerequisite`, `cap outcome NAME`, `assert payer NAME`, ...) is looked up in `NAME_KINDS`;
a rule that only carries names for another (`name_list`, its repetitions) is climbed to the
rules that use it, through the parser's state stack (`only one of a, b`: outcomes; `for
cohort a, b`: cohorts). `NAME_KINDS` is keyed by rule and symbol, and a test checks that it
covers every rule of grammar/sib.lark that takes a NAME or a name_list, so a new rule cannot
silently fall back to "any name". The kinds are those the compiler's name resolution asks
for (`Scope.refer` in sibdsl/semantics/).
"""

from __future__ import annotations

import functools
from collections import deque
from copy import copy
from dataclasses import dataclass, field

from lark import Token
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_interactive_parser import InteractiveParser

from sibdsl.semantics.investment import PARTY_KINDS
from sibdsl.syntax.grammar import get_parser

Item = tuple[int, int]  # (rule number, position of the dot)

OUTCOME, PAYER, COHORT, SUBGROUP, INVESTOR, TRANCHE = ("outcome",), ("payer",), ("cohort",), ("subgroup",), \
    ("investor",), ("tranche",)
NEW_NAME: tuple[str, ...] = ()  # a name declared here, or a word that is not a declared name

# (rule, symbol) -> the kinds of declared name that fit there. The rule is the alias of an
# alternative where it has one (`-> scope_outcome`), else the rule's name; the symbol is NAME
# or name_list. Every rule of the grammar that takes a NAME or a name_list is here, except
# name_list and its repetition, which take the kind of the rule that uses them.
NAME_KINDS: dict[tuple[str, str], tuple[str, ...]] = {
    # declarations: the name is new (offering a declared one would make a duplicate, SIB102)
    ("party_decl", "NAME"): NEW_NAME,
    ("investor_decl", "NAME"): NEW_NAME,
    ("cohort_decl", "NAME"): NEW_NAME,
    ("subgroup", "NAME"): NEW_NAME,
    ("outcome_decl", "NAME"): NEW_NAME,
    ("reset_decl", "NAME"): NEW_NAME,
    ("tranche_decl", "NAME"): NEW_NAME,
    # `triggered by benefit_claim`: an event's name, free text; `when payments of x reach`: a figure word
    ("trigger", "NAME"): NEW_NAME,
    ("figure_word", "NAME"): NEW_NAME,
    # header
    ("remainder", "NAME"): PAYER,                      # rounding ... remainder to
    # investors: guarantors (`guaranteed by`, `principal protected ... by`, `first loss ... by`)
    ("interest", "NAME"): PARTY_KINDS,
    ("protection_floor", "NAME"): PARTY_KINDS,
    ("protection_first_loss", "NAME"): PARTY_KINDS,
    ("surplus_share", "NAME"): PARTY_KINDS,            # waterfall: surplus 50% to
    # payers
    ("payer_outcome_share", "name_list"): OUTCOME,     # pays 50% of a, b payments
    # cohorts
    ("separate_from", "name_list"): COHORT,
    # outcomes
    ("prerequisite", "NAME"): OUTCOME,                 # after a at least 3 months and b
    ("in_addition_to", "name_list"): OUTCOME,
    ("includes", "name_list"): OUTCOME,
    ("for_cohorts", "name_list"): COHORT,
    ("pooled_over", "name_list"): COHORT,
    ("net_of", "name_list"): OUTCOME,
    ("top_up", "NAME"): PAYER,                         # plus GBP 200 from
    ("subgroup_price", "NAME"): SUBGROUP,              # pays GBP 500 for women
    ("counted_within", "NAME"): SUBGROUP,              # counted within subgroup
    ("reset_decl", "name_list"): OUTCOME,              # reset x "..." restarts
    # caps
    ("scope_outcome", "NAME"): OUTCOME,
    ("scope_subgroup", "NAME"): SUBGROUP,
    ("scope_cohort", "NAME"): COHORT,
    ("scope_payer", "NAME"): PAYER,
    ("share_of", "name_list"): OUTCOME,                # cap outcome x 40% of paid outcomes of
    ("exclusive_decl", "name_list"): OUTCOME,          # only one of
    # tranches
    ("from_investor", "NAME"): INVESTOR,
    ("figure_of", "NAME"): ("outcome", "cohort", "payer", "subgroup"),  # when payments of x reach
    # assertions
    ("assert_payer_max", "NAME"): PAYER,
    ("assert_never_twice", "NAME"): OUTCOME,
    ("assert_subgroup_share", "NAME"): SUBGROUP,
    ("assert_tranche_order", "NAME"): TRANCHE,
    ("assert_investor_loss", "NAME"): INVESTOR,
    ("assert_investor_no_loss", "NAME"): INVESTOR,
    ("assert_investor_return", "NAME"): INVESTOR,
}
# rules that carry names for the rule that uses them
CARRIERS = ("name_list",)
# declarations whose second symbol is the name they declare
DECLARATIONS = frozenset({"party_decl", "investor_decl", "cohort_decl", "outcome_decl", "reset_decl",
                          "tranche_decl"})


@dataclass(frozen=True)
class Expected:
    """What a name at the cursor would be: `kinds` None when the grammar cannot tell (any name
    fits), empty when no declared name does; `inside` the name of the declaration being written."""

    kinds: frozenset[str] | None
    inside: str | None


@dataclass(frozen=True)
class _Rule:
    origin: str
    expansion: tuple[str, ...]
    label: str  # the alias, else the origin


@dataclass
class _Automaton:
    rules: tuple[_Rule, ...]
    kernels: dict[int, frozenset[Item]]  # parse-table state -> its LR(0) kernel
    by_origin: dict[str, tuple[int, ...]]
    closures: dict[int, frozenset[Item]] = field(default_factory=dict)

    def closure(self, state: int) -> frozenset[Item]:
        found = self.closures.get(state)
        if found is None:
            found = self.closures[state] = _closure(self.kernels.get(state, frozenset()), self.rules, self.by_origin)
        return found


def _closure(kernel: frozenset[Item], rules: tuple[_Rule, ...], by_origin: dict[str, tuple[int, ...]]) -> frozenset[Item]:
    found = set(kernel)
    todo = list(kernel)
    while todo:
        rule, dot = todo.pop()
        expansion = rules[rule].expansion
        if dot < len(expansion):
            for other in by_origin.get(expansion[dot], ()):
                if (other, 0) not in found:
                    found.add((other, 0))
                    todo.append((other, 0))
    return frozenset(found)


@functools.cache
def _items() -> _Automaton:
    """The LR(0) kernel of each state of the parser's table, by walking the automaton rebuilt
    from the grammar's rules alongside the table, from the start state, symbol by symbol."""
    parser = get_parser()
    table = parser.parser.parser._parse_table
    rules = [_Rule(r.origin.name, tuple(s.name for s in r.expansion), r.alias or r.origin.name)
             for r in parser.rules]
    rules.append(_Rule("$root", ("start", "$END"), "$root"))
    frozen = tuple(rules)
    by_origin: dict[str, list[int]] = {}
    for number, rule in enumerate(frozen):
        by_origin.setdefault(rule.origin, []).append(number)
    origins = {k: tuple(v) for k, v in by_origin.items()}
    start = table.start_states["start"]
    kernels: dict[int, frozenset[Item]] = {start: frozenset({(len(frozen) - 1, 0)})}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        closure = _closure(kernels[state], frozen, origins)
        for symbol, (action, target) in table.states[state].items():
            if action is not Shift or target in kernels:
                continue
            kernels[target] = frozenset((r, d + 1) for r, d in closure
                                        if d < len(frozen[r].expansion) and frozen[r].expansion[d] == symbol)
            queue.append(target)
    return _Automaton(frozen, kernels, origins)


def parse_to(before: str) -> InteractiveParser | None:
    """The parser after the text up to the cursor (None if that text does not parse)."""
    from lark.exceptions import UnexpectedInput

    try:
        interactive = get_parser().parse_interactive(before)
        interactive.exhaust_lexer()
    except UnexpectedInput:  # the text so far does not parse
        return None
    except Exception:  # a parser error of any kind: no completion, never a failed request
        return None
    return interactive


def expected_names(interactive: InteractiveParser) -> Expected:
    """The kinds of name that fit where the parser stands (after the text up to the cursor)."""
    from lark.exceptions import UnexpectedInput

    try:
        probe = interactive.copy(deepcopy_values=False)
        probe.parser_state.parse_conf = copy(probe.parser_state.parse_conf)
        probe.parser_state.parse_conf.callbacks = {}  # reduce without building the AST, as lark's accepts() does
        probe.feed_token(Token("NAME", "name"))
    except (UnexpectedInput, KeyError, AssertionError):  # no name fits here
        return Expected(frozenset(), None)
    automaton = _items()
    states = probe.parser_state.state_stack
    values = probe.parser_state.value_stack
    top = len(states) - 1
    kinds: set[str] = set()
    unknown = False
    inside: str | None = None
    for rule, dot in automaton.kernels.get(states[top], frozenset()):
        occurrence = (rule, dot - 1, top - dot)  # the NAME just fed, in the rule that shifted it
        found = _kinds(automaton, states, occurrence, set())
        if found is None:
            unknown = True
        else:
            kinds |= found
        inside = inside or _declaration_name(automaton, states, values, occurrence)
    return Expected(None if unknown else frozenset(kinds), inside)


# An occurrence of a symbol in a rule being parsed: (rule number, index of the symbol in the
# rule's expansion, index in the parser's state stack where the rule began).
Occurrence = tuple[int, int, int]


def _parents(automaton: _Automaton, states: list[int], occurrence: Occurrence) -> list[Occurrence]:
    """Where the rule of an occurrence is used: the items of the state where the rule began
    that have the dot before the rule's name."""
    rule, _, began = occurrence
    if not 0 <= began < len(states):
        return []
    origin = automaton.rules[rule].origin
    return [(r, d, began - d) for r, d in automaton.closure(states[began])
            if d < len(automaton.rules[r].expansion) and automaton.rules[r].expansion[d] == origin]


def _kinds(automaton: _Automaton, states: list[int], occurrence: Occurrence, seen: set[Occurrence]) -> set[str] | None:
    """The kinds of name that fit an occurrence of NAME or name_list, climbing through carrier
    rules to the rules that use them; None when no rule on the way says (any name then fits)."""
    if occurrence in seen:  # a left-recursive repetition predicts itself
        return set()
    seen.add(occurrence)
    rule, index, _ = occurrence
    current = automaton.rules[rule]
    key = (current.label, current.expansion[index])
    if key in NAME_KINDS:
        return set(NAME_KINDS[key])
    if _carrier(current.origin) is None:
        return None
    parents = _parents(automaton, states, occurrence)
    if not parents:
        return None
    found: set[str] = set()
    for parent in parents:
        above = _kinds(automaton, states, parent, seen)
        if above is None:
            return None
        found |= above
    return found


def _carrier(origin: str) -> str | None:
    """The carrier rule an origin is (name_list, or lark's repetition `__name_list_star_15`)."""
    base = origin.lstrip("_").split("_star_")[0]
    return base if base in CARRIERS else None


def _declaration_name(automaton: _Automaton, states: list[int], values: list[object],
                      occurrence: Occurrence) -> str | None:
    """The name of the declaration (outcome, cohort, investor, ...) an occurrence is inside."""
    seen: set[Occurrence] = set()
    todo = [occurrence]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        rule, index, began = current
        written = automaton.rules[rule]
        if written.origin in DECLARATIONS and index >= 2 and written.expansion[1] == "NAME":
            value = values[began + 1] if 0 <= began + 1 < len(values) else None
            return str(value) if isinstance(value, Token) and value.type == "NAME" else None
        todo += _parents(automaton, states, current)
    return None
