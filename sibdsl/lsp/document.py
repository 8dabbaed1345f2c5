"""Language server: one open document, compiled, and the editor features computed from it.

Input: the text of a .sib document (and, once saved, the figures `sibc check --facts` gives).
Output: plain data for the server to send: diagnostics, hover text, symbol locations (for
go to definition, find references and rename), completion items, document symbols, folding
ranges and semantic tokens, as (line, character) pairs in LSP's 0-based UTF-16 positions.
Nothing here raises for bad input: a document that does not parse still gets its diagnostics,
its tokens and the symbols of the declarations that did parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sibdsl.compiler import CompileResult, compile_text
from sibdsl.core.diagnostics import Diagnostic
from sibdsl.core.source import Span
from sibdsl.lsp.names import expected_names, parse_to
from sibdsl.lsp.positions import Lines
from sibdsl.syntax import ast

Pos = tuple[int, int]
Range = tuple[Pos, Pos]

# the kind of thing each declaration declares, as the hover and the outline name it
_KINDS: dict[type, str] = {ast.InvestorDecl: "investor", ast.CohortDecl: "cohort", ast.OutcomeDecl: "outcome",
                           ast.TrancheDecl: "tranche", ast.ResetDecl: "reset"}
# names that are not symbols (a currency code, a unit)
_NOT_SYMBOLS = (ast.CurrencyDecl,)
UNITS = ("days", "weeks", "months", "years", "participants", "outcomes", "times", "%")
_DECLARATION = re.compile(r"\s*(payer|provider|intermediary|validator|investor|cohort|outcome|tranche|reset|subgroup)"
                         r"\s+([a-z_][A-Za-z0-9_]*)\b\s*(\"([^\"\n]*)\")?")
CURRENCY_AFTER = re.compile(r"\b[A-Z]{3}\s*$")
NUMBER_BEFORE = re.compile(r"(?<![\w.])\d[\d,]*(\.\d+)?\s+$")


@dataclass
class Symbol:
    """A declared name: what it is, where its name is written, and its whole declaration."""

    name: str
    kind: str  # payer, provider, intermediary, validator, investor, cohort, subgroup, outcome, tranche, reset
    title: str
    at: Span  # the name where it is declared
    declaration: Span
    node: ast.Node


@dataclass
class Figures:
    """What `sibc check --facts` computed for the document as last saved (None: not yet)."""

    facts: dict[str, Any]
    lines: list[str]


@dataclass
class Document:
    uri: str
    text: str
    version: int | None = None
    result: CompileResult = field(init=False)
    lines: Lines = field(init=False)
    symbols: dict[str, Symbol] = field(init=False, default_factory=dict)
    references: list[tuple[str, Span]] = field(init=False, default_factory=list)  # every use of a name

    def __post_init__(self) -> None:
        self.result = compile_text(self.text, self.uri)
        self.lines = Lines(self.text)
        self._index()

    # ------------------------------------------------------------------ the symbol index
    def _index(self) -> None:
        tree = self.result.tree
        if tree is None:
            self._index_declarations_by_line()
            return
        declared: list[tuple[ast.Name, str, str, ast.Node]] = []
        for decl in tree.declarations:
            if isinstance(decl, ast.PartyDecl):
                declared.append((decl.name, decl.role, decl.title.value, decl))
            elif isinstance(decl, ast.InvestorDecl | ast.CohortDecl | ast.OutcomeDecl | ast.ResetDecl):
                declared.append((decl.name, _KINDS[type(decl)], decl.title.value, decl))
            elif isinstance(decl, ast.TrancheDecl):
                declared.append((decl.name, "tranche", decl.name.text, decl))
            if isinstance(decl, ast.CohortDecl):
                for clause in decl.clauses:
                    if isinstance(clause, ast.SubgroupDecl):
                        declared.append((clause.name, "subgroup",
                                         clause.title.value if clause.title is not None else clause.name.text, clause))
        for name, kind, title, node in declared:
            if name.text not in self.symbols:
                self.symbols[name.text] = Symbol(name.text, kind, title, name.span, node.span, node)
        declaring = {id(name) for name, *_ in declared}
        for decl in tree.declarations:
            if isinstance(decl, _NOT_SYMBOLS):
                continue
            for name in _names(decl):
                if id(name) not in declaring and name.text in self.symbols:
                    self.references.append((name.text, name.span))

    def _index_declarations_by_line(self) -> None:
        """A document that does not parse (mid-edit): its declarations, read line by line, so that
        completion and the outline still know the names declared so far."""
        for number, row in enumerate(self.text.split("\n"), start=1):
            match = _DECLARATION.match(row)
            if match is None or match.group(2) in self.symbols:
                continue
            kind, name, title = match.group(1), match.group(2), match.group(4) or match.group(2)
            column = match.start(2) + 1
            at = Span(number, column, number, column + len(name))
            whole = Span(number, 1, number, len(row) + 1)
            self.symbols[name] = Symbol(name, kind, title, at, whole, ast.Name(name, span=at))

    def symbol_at(self, line: int, character: int) -> tuple[str, Span] | None:
        """The declared name under the cursor (where declared or where used)."""
        column = self.lines.to_column(line, character)
        here = line + 1
        for name, span in [*((s.name, s.at) for s in self.symbols.values()), *self.references]:
            if span.line == here and span.column <= column <= span.end_column:
                return name, span
        return None

    def occurrences(self, name: str, include_declaration: bool = True) -> list[Span]:
        found = [span for n, span in self.references if n == name]
        symbol = self.symbols.get(name)
        if include_declaration and symbol is not None:
            found.insert(0, symbol.at)
        return found

    def range(self, span: Span) -> Range:
        return self.lines.span_to_lsp(span)

    # ------------------------------------------------------------------ diagnostics
    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.result.diagnostics

    # ------------------------------------------------------------------ hover
    def hover(self, line: int, character: int, figures: Figures | None, analysing: bool = False) -> str | None:
        """Markdown for what is under the cursor: a name, with the analysis's `figures` when there
        are some for this text (`analysing`: an analysis of this text is running), or a
        diagnostic's code and what `sibc explain` says of it (not its message and hint: the
        diagnostic carries those)."""
        found = self.symbol_at(line, character)
        if found is None:
            return self._hover_diagnostic(line, character)
        symbol = self.symbols[found[0]]
        parts = [f"**{symbol.title}** ({symbol.kind} `{symbol.name}`)", "",
                 "```sib\n" + self._source(symbol.declaration) + "\n```"]
        parts += self._figures(symbol, figures, analysing)
        return "\n".join(parts)

    def _source(self, span: Span, most: int = 12) -> str:
        rows = [self.lines.line(i - 1) for i in range(span.line, min(span.end_line, span.line + most - 1) + 1)]
        if span.end_line - span.line + 1 > most:
            rows.append("  ...")
        return "\n".join(rows)

    def _figures(self, symbol: Symbol, figures: Figures | None, analysing: bool) -> list[str]:
        """The symbol's figures from the model, then the analysis's (`figures`, None when there
        are none for this text: `analysing` says an analysis of it is running)."""
        model = self.result.model
        out: list[str] = []
        if model is not None and symbol.kind == "outcome":
            out += _outcome_figures(model, symbol.name)
        if model is not None and symbol.kind == "payer":
            payer = next((p for p in model.payers if p.name == symbol.name), None)
            if payer is not None:
                if payer.clauses:
                    share = "its shares per outcome or phase"
                elif payer.ratio is not None:
                    share = f"{payer.ratio[0]}/{payer.ratio[1]} of each payment (about {payer.share:.2f}%)"
                else:
                    share = f"{payer.share.normalize():f}% of each payment"
                cap = f", at most {model.header.currency} {payer.cap:,.2f}" if payer.cap is not None else ", no cap of its own"
                out.append(f"- pays {share}{cap}")
        if figures is None:
            out.append("")
            if model is None:  # a contract with errors is not analysed
                out.append("*The analysis's figures (most it can pay, caps that bind) come once the errors "
                           "are fixed and the file is saved.*")
            elif analysing:
                out.append("*The analysis is running: its figures (most it can pay, caps that bind) show "
                           "here when it finishes.*")
            else:
                out.append("*Save the file for the analysis's figures (most it can pay, caps that bind).*")
            return out
        facts = figures.facts
        if symbol.kind == "payer":
            payer_facts = facts.get("payers", {}).get(symbol.name)
            if payer_facts:
                amount = payer_facts.get("max")
                exact = "exact" if payer_facts.get("exact") else f"an upper bound: {payer_facts.get('bound')}"
                out.append(f"- can owe at most {_money(model, amount)} ({payer_facts.get('why')}; {exact})"
                           if amount is not None else "- no limit on what it can owe")
        if symbol.kind == "outcome":
            for best in facts.get("participant_max", []):
                if symbol.name in best.get("outcomes", {}):
                    who = best.get("cohort") or "a participant"
                    out.append(f"- on the costliest route for {who}: {best['outcomes'][symbol.name]} time(s); that "
                               f"participant can be paid {_money(model, best.get('amount'))}"
                               + ("" if best.get("exact") else " (an upper bound)"))
            if symbol.name in facts.get("never_paid", []):
                out.append("- **can never be paid** (see the diagnostics)")
        for cap in facts.get("caps", []):
            if cap.get("target") == symbol.name:
                out.append(f"- cap {cap.get('scope')} {symbol.name}: "
                           + (f"binds {cap.get('when')}" if cap.get("binds") else "never binds"))
        return out

    def _hover_diagnostic(self, line: int, character: int) -> str | None:
        column = self.lines.to_column(line, character)
        for d in self.diagnostics:
            if d.span.line <= line + 1 <= d.span.end_line and (d.span.line < line + 1 or d.span.column <= column) \
                    and (d.span.end_line > line + 1 or column <= d.span.end_column):
                from sibdsl.emit.explain import explain

                # the message and its hint are the diagnostic's own text, which the editor shows
                # beside this hover: repeating them here showed the hint twice
                return f"**{d.code}**\n\n```\n" + explain(d.code).text + "\n```"
        return None

    # ------------------------------------------------------------------ outline and folding
    def outline(self) -> list[tuple[str, str, Span, Span]]:
        """(name or title, kind, whole declaration, its name) for each declaration, in order."""
        tree = self.result.tree
        out: list[tuple[str, str, Span, Span]] = []
        if tree is None:
            return out
        for decl in tree.declarations:
            named = self.symbols.get(getattr(getattr(decl, "name", None), "text", ""))
            if named is not None and named.node is decl:
                out.append((named.name, named.kind, decl.span, named.at))
            else:
                label = type(decl).__name__.removesuffix("Decl").lower()
                out.append((label, label, decl.span, decl.span))
        return out

    def folding(self) -> list[tuple[int, int]]:
        """0-based (first line, last line) of each declaration written over several lines."""
        return [(span.line - 1, span.end_line - 1) for _, _, span, _ in self.outline() if span.end_line > span.line]

    # ------------------------------------------------------------------ completion
    def completion(self, line: int, character: int) -> list[tuple[str, str]]:
        """(label, kind) pairs: units after a number; where a name is expected, the declared names
        of the kind that fits there (`names.py`: outcomes after `after`, payers after `cap payer`,
        none where a new name is declared, all where the grammar cannot tell), never the name of
        the declaration being written; and the keywords the grammar accepts at the cursor."""
        offset = self.lines.to_offset(line, character)
        before = self.text[:offset]
        line_before = before.rsplit("\n", 1)[-1]
        if NUMBER_BEFORE.search(line_before) and not CURRENCY_AFTER.search(line_before.rstrip()[:-1] + " "):
            number_only = not re.search(r"[A-Z]{3}\s+\d[\d,.]*\s+$|[£€$]\s*\d[\d,.]*\s+$", line_before)
            if number_only:
                return [(u, "unit") for u in UNITS]
        interactive = parse_to(before)
        accepted = _accepts(interactive) if interactive is not None else set()
        items: list[tuple[str, str]] = []
        if interactive is not None and "NAME" in accepted:
            expected = expected_names(interactive)
            items += [(s.name, s.kind) for s in self.symbols.values()
                      if (expected.kinds is None or s.kind in expected.kinds) and s.name != expected.inside]
        from sibdsl.syntax.grammar import describe_terminal

        for terminal in sorted(accepted - {"NAME", "$END"}):
            word = describe_terminal(terminal).strip("'")
            if word and re.fullmatch(r"[a-z][a-z -]*", word):
                items.append((word, "keyword"))
        return items

    # ------------------------------------------------------------------ semantic tokens
    def tokens(self) -> list[tuple[int, int, int, str, bool]]:
        """(line, start character, length, type, is a declaration) of every token, in order
        (0-based, UTF-16). A name is typed by what it names (an outcome is a `function`, a
        party a `class`, a cohort a `namespace`), so themes colour it as the TextMate grammar
        does; the name where it is declared carries the `declaration` modifier."""
        from sibdsl.syntax.grammar import get_parser

        named: dict[tuple[int, int], tuple[str, bool]] = {}
        for symbol in self.symbols.values():
            named[(symbol.at.line, symbol.at.column)] = (_NAME_TYPE.get(symbol.kind, "variable"), True)
        for name, span in self.references:
            named.setdefault((span.line, span.column), (_NAME_TYPE.get(self.symbols[name].kind, "variable"), False))
        out: list[tuple[int, int, int, str, bool]] = []
        try:
            stream = list(get_parser().lex(self.text, dont_ignore=True))
        except Exception:  # an unlexable character: colour what came before it
            stream = []
        for tok in stream:
            kind = _token_type(tok.type)
            if kind is None:
                continue
            declaration = False
            if tok.type == "NAME":
                kind, declaration = named.get((tok.line or 1, tok.column or 1), ("variable", False))
            text = str(tok)
            line, start = self.lines.to_lsp(tok.line or 1, tok.column or 1)
            for i, piece in enumerate(text.split("\n")):  # a long string spans lines
                length = sum(2 if ord(c) > 0xFFFF else 1 for c in piece)
                if length:
                    out.append((line + i, start if i == 0 else 0, length, kind, declaration))
        return out


def _names(node: object) -> list[ast.Name]:
    """Every Name node below a node (depth first)."""
    found: list[ast.Name] = []
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Name):
            found.append(item)
        elif isinstance(item, ast.Node):
            stack.extend(getattr(item, f) for f in item._fields)
        elif isinstance(item, tuple | list):
            stack.extend(item)
    return found


def _token_type(kind: str) -> str | None:
    if kind == "COMMENT":
        return "comment"
    if kind in ("STRING", "LONG_STRING"):
        return "string"
    if kind in ("NUMBER", "DATE", "SCALE", "PERCENT"):
        return "number"
    if kind in ("CURRENCY", "MONEY_SYMBOL"):
        return "number"  # part of an amount of money
    if kind == "NAME":
        return "variable"
    if kind in ("ADD_OP", "MUL_OP", "COMMA", "COLON", "LPAR", "RPAR"):
        return "operator"
    if kind == "WS":
        return None
    return "keyword"


TOKEN_TYPES = ["keyword", "variable", "string", "number", "comment", "operator", "function", "class", "namespace"]
TOKEN_MODIFIERS = ["declaration"]
_NAME_TYPE = {"outcome": "function", "reset": "function", "tranche": "function", "payer": "class",
              "provider": "class", "intermediary": "class", "validator": "class", "investor": "class",
              "cohort": "namespace", "subgroup": "namespace"}


def _accepts(interactive: Any) -> set[str]:
    """The terminals the parser accepts next (none if lark fails to say)."""
    try:
        return set(interactive.accepts())
    except Exception:  # completion never fails a request
        return set()


def _money(model: object, amount: object) -> str:
    currency = getattr(getattr(model, "header", None), "currency", "")
    if amount is None:
        return "no limit"
    return f"{currency} {Decimal(str(amount)):,.2f}"


def _outcome_figures(model: Any, name: str) -> list[str]:
    from sibdsl.analysis.outcome_totals import outcome_total
    from sibdsl.analysis.participant import best_price

    outcome = next((o for o in model.outcomes if o.name == name), None)
    if outcome is None:
        return []
    currency = model.header.currency
    out: list[str] = []
    price = best_price(outcome, None, model, any_subgroup=True)
    times = outcome.times_limit
    if price is not None:
        out.append(f"- one claim is paid at most {currency} {price:,.2f}")
        if times is not None:
            out.append(f"- one participant can be paid it {'once' if times == 1 else f'{times} times'}: "
                       f"at most {currency} {price * times:,.2f}")
        else:
            out.append("- one participant can be paid it any number of times (only a cap stops it)")
    total = outcome_total(model, outcome)
    out.append(f"- over the contract it pays at most {currency} {total:,.2f} (an upper bound)" if total is not None
               else "- over the contract it has no limit of its own")
    caps = [c for c in model.caps if c.target == name]
    for cap in caps:
        out.append(f"- capped: cap {cap.scope} {name}, {currency} {cap.limit:,.2f}" if cap.measure == "money"
                   else f"- capped: cap {cap.scope} {name}, {cap.limit}")
    return out
