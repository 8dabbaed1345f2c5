"""Language server: `sibc lsp`, the features of `document.py` over the Language Server Protocol.

Input: LSP messages on standard input (pygls, lsprotocol types). Output: LSP messages on
standard output. As the user types, each change is compiled (the same compiler `sibc check`
runs: same codes, ranges, hints and related locations) and its diagnostics published. On open
and on save, the analysis (and, with the setting `sibdsl.searchOnSave`, the property search)
runs in a worker thread: typing is never blocked. Its result is kept with the text it was
computed on: while the document has that text, its diagnostics (SIB720 proven, ...) are the
ones published and its figures feed the hovers; after an edit the compiler's diagnostics alone
are published, and the analysis's come back when the text is that text again (an undo). A request that fails is answered with an error and logged; the
server keeps running.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from sibdsl import __version__
from sibdsl.core.diagnostics import Diagnostic
from sibdsl.lsp.document import TOKEN_MODIFIERS, TOKEN_TYPES, Document, Figures

log = logging.getLogger("sibdsl.lsp")
_SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
             "note": lsp.DiagnosticSeverity.Information}
_SYMBOL_KIND = {"outcome": lsp.SymbolKind.Function, "cohort": lsp.SymbolKind.Namespace,
                "subgroup": lsp.SymbolKind.EnumMember, "payer": lsp.SymbolKind.Class,
                "provider": lsp.SymbolKind.Class, "intermediary": lsp.SymbolKind.Class,
                "validator": lsp.SymbolKind.Class, "investor": lsp.SymbolKind.Class,
                "tranche": lsp.SymbolKind.Event, "reset": lsp.SymbolKind.Event}
_COMPLETION_KIND = {"keyword": lsp.CompletionItemKind.Keyword, "unit": lsp.CompletionItemKind.Unit,
                    "outcome": lsp.CompletionItemKind.Function, "cohort": lsp.CompletionItemKind.Module}
LEGEND = lsp.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)


@dataclass
class Analysis:
    """What `sibc check --facts` found for one text of a document: the figures for the hovers
    and the diagnostics (the compiler's and the analysis's verdicts: SIB720 proven, ...)."""

    run: int  # the number of the run that computed it (a later run's result replaces it)
    text: str
    figures: Figures
    diagnostics: list[Diagnostic]


class SibServer(LanguageServer):
    """The server's state: each open document, its last analysis, the settings.

    The last analysis of a document is kept with the text it was computed on, also while the
    user types on: its diagnostics and figures are shown whenever the text is that text again
    (after an undo, say), and the compiler's alone while it is not."""

    def __init__(self) -> None:
        super().__init__("sibc", __version__)
        self.documents: dict[str, Document] = {}
        self.analyses: dict[str, Analysis] = {}  # uri -> the latest analysis that finished
        self.running: dict[str, tuple[int, str]] = {}  # uri -> (run, text) of the analysis started last
        self.runs = 0
        self.search_on_save = False
        self.lock = threading.Lock()  # guards analyses, running and runs (the worker thread writes them)

    def document(self, uri: str) -> Document:
        text = self.workspace.get_text_document(uri).source
        known = self.documents.get(uri)
        if known is None or known.text != text:
            known = Document(uri, text)
            self.documents[uri] = known
        return known

    def analysis_for(self, doc: Document) -> Analysis | None:
        """The last analysis, if it was computed on the document's text as it is now."""
        with self.lock:
            found = self.analyses.get(doc.uri)
        return found if found is not None and found.text == doc.text else None

    def figures_for(self, doc: Document) -> Figures | None:
        found = self.analysis_for(doc)
        return found.figures if found is not None else None

    def diagnostics_for(self, doc: Document) -> list[Diagnostic]:
        """The analysis's diagnostics when they are for this text, else the compiler's."""
        found = self.analysis_for(doc)
        return found.diagnostics if found is not None else doc.diagnostics

    def analysing(self, doc: Document) -> bool:
        """Is an analysis of the document's text as it is now still running?"""
        with self.lock:
            running = self.running.get(doc.uri)
        return running is not None and running[1] == doc.text


server = SibServer()


def _pos(p: tuple[int, int]) -> lsp.Position:
    return lsp.Position(line=p[0], character=p[1])


def _range(doc: Document, span: Any) -> lsp.Range:
    start, end = doc.range(span)
    return lsp.Range(start=_pos(start), end=_pos(end))


def to_lsp(doc: Document, d: Diagnostic) -> lsp.Diagnostic:
    related = [lsp.DiagnosticRelatedInformation(
        location=lsp.Location(uri=doc.uri, range=_range(doc, label.span)), message=label.message)
        for label in d.labels]
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    return lsp.Diagnostic(range=_range(doc, d.span), message=message, severity=_SEVERITY.get(d.severity.value),
                          code=d.code, source="sibc", related_information=related or None,
                          data={"hint": d.hint} if d.hint else None)


def publish(ls: SibServer, doc: Document) -> None:
    """The document's diagnostics: its last analysis's if that was of this text, else the compiler's."""
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
        uri=doc.uri, version=doc.version, diagnostics=[to_lsp(doc, d) for d in ls.diagnostics_for(doc)]))


@server.feature(lsp.INITIALIZE)
def initialize(ls: SibServer, params: lsp.InitializeParams) -> None:
    """The client's settings at start-up (`initializationOptions`: {"searchOnSave": bool})."""
    options = params.initialization_options
    if isinstance(options, dict) and "searchOnSave" in options:
        ls.search_on_save = bool(options["searchOnSave"])


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: SibServer, params: lsp.DidOpenTextDocumentParams) -> None:
    doc = ls.document(params.text_document.uri)
    doc.version = params.text_document.version
    publish(ls, doc)
    _analyse_in_background(ls, doc)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: SibServer, params: lsp.DidChangeTextDocumentParams) -> None:
    doc = ls.document(params.text_document.uri)
    doc.version = params.text_document.version
    publish(ls, doc)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: SibServer, params: lsp.DidSaveTextDocumentParams) -> None:
    _analyse_in_background(ls, ls.document(params.text_document.uri))


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: SibServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.documents.pop(params.text_document.uri, None)
    with ls.lock:
        ls.analyses.pop(params.text_document.uri, None)
        ls.running.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


def _analyse_in_background(ls: SibServer, doc: Document) -> None:
    """`sibc check --facts` on the saved text, in a thread. Its result is kept with that text
    (unless a later run's result is already kept) and published if the text is still current."""
    if doc.result.model is None:
        return
    with ls.lock:
        ls.runs += 1
        run = ls.runs
        ls.running[doc.uri] = (run, doc.text)

    def work() -> None:
        from sibdsl.driver import CheckOptions, check_text

        try:
            checked = check_text(doc.text, doc.uri, CheckOptions(facts=True, search=ls.search_on_save,
                                                                 time_limit=10.0)).files[0]
            analysis = Analysis(run, doc.text, Figures(checked.facts or {}, checked.facts_lines or []),
                                checked.diagnostics)
            with ls.lock:
                kept = ls.analyses.get(doc.uri)
                if doc.uri in ls.running and (kept is None or kept.run < run):
                    ls.analyses[doc.uri] = analysis
            current = ls.documents.get(doc.uri)
            if current is not None and current.text == doc.text:
                publish(ls, current)  # else the user typed on: shown when the text is this again
        except Exception:  # never let the worker take the server down
            log.exception("the analysis of %s failed", doc.uri)
        finally:
            with ls.lock:
                if ls.running.get(doc.uri, (0, ""))[0] == run:
                    del ls.running[doc.uri]

    threading.Thread(target=work, name="sibdsl-analysis", daemon=True).start()


@server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(ls: SibServer, params: lsp.DidChangeConfigurationParams) -> None:
    settings = params.settings if isinstance(params.settings, dict) else {}
    section = settings.get("sibdsl", settings)
    if isinstance(section, dict) and "searchOnSave" in section:
        ls.search_on_save = bool(section["searchOnSave"])


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: SibServer, params: lsp.HoverParams) -> lsp.Hover | None:
    doc = ls.document(params.text_document.uri)
    text = doc.hover(params.position.line, params.position.character, ls.figures_for(doc), ls.analysing(doc))
    if text is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(ls: SibServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    doc = ls.document(params.text_document.uri)
    found = doc.symbol_at(params.position.line, params.position.character)
    if found is None:
        return None
    return lsp.Location(uri=doc.uri, range=_range(doc, doc.symbols[found[0]].at))


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
def references(ls: SibServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    doc = ls.document(params.text_document.uri)
    found = doc.symbol_at(params.position.line, params.position.character)
    if found is None:
        return []
    return [lsp.Location(uri=doc.uri, range=_range(doc, s))
            for s in doc.occurrences(found[0], params.context.include_declaration)]


@server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: SibServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
    doc = ls.document(params.text_document.uri)
    found = doc.symbol_at(params.position.line, params.position.character)
    return None if found is None else _range(doc, found[1])


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
def rename(ls: SibServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    import re

    doc = ls.document(params.text_document.uri)
    found = doc.symbol_at(params.position.line, params.position.character)
    if found is None:
        return None
    if not re.fullmatch(r"[a-z_][A-Za-z0-9_]*", params.new_name):
        raise ValueError(f"'{params.new_name}' is not a name: names are lower-case letters, digits and _, "
                         "starting with a letter or _")
    if params.new_name in doc.symbols and params.new_name != found[0]:
        raise ValueError(f"'{params.new_name}' is already declared")
    edits = [lsp.TextEdit(range=_range(doc, s), new_text=params.new_name) for s in doc.occurrences(found[0])]
    return lsp.WorkspaceEdit(changes={doc.uri: edits})


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[" "]))
def completion(ls: SibServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    doc = ls.document(params.text_document.uri)
    items = [lsp.CompletionItem(label=label, kind=_COMPLETION_KIND.get(kind, lsp.CompletionItemKind.Variable),
                                detail=kind)
             for label, kind in doc.completion(params.position.line, params.position.character)]
    return lsp.CompletionList(is_incomplete=False, items=items)


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: SibServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
    from sibdsl.syntax.formatter import format_text

    doc = ls.document(params.text_document.uri)
    result = format_text(doc.text, doc.uri)
    if result.text is None or result.text == doc.text:
        return []  # a document that does not parse is left alone (its diagnostics say why)
    last = len(doc.lines.lines) - 1
    end = lsp.Position(line=last, character=len(doc.lines.line(last).encode("utf-16-le")) // 2)
    return [lsp.TextEdit(range=lsp.Range(start=lsp.Position(line=0, character=0), end=end), new_text=result.text)]


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION)
def code_action(ls: SibServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    """A hint that says "did you mean 'x'?" replaces the diagnostic's range with x."""
    import re

    doc = ls.document(params.text_document.uri)
    actions = []
    for d in params.context.diagnostics:
        hint = (d.data or {}).get("hint") if isinstance(d.data, dict) else None
        match = re.search(r"did you mean '([^']+)'\?", hint or "")
        if match is None:
            continue
        edit = lsp.TextEdit(range=d.range, new_text=match.group(1))
        actions.append(lsp.CodeAction(title=f"Replace with '{match.group(1)}'", kind=lsp.CodeActionKind.QuickFix,
                                      diagnostics=[d], is_preferred=True,
                                      edit=lsp.WorkspaceEdit(changes={doc.uri: [edit]})))
    return actions


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(ls: SibServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    doc = ls.document(params.text_document.uri)
    out = []
    for label, kind, span, name_span in doc.outline():
        whole, name = _range(doc, span), _range(doc, name_span)
        if not (whole.start.line <= name.start.line <= whole.end.line):
            name = whole
        out.append(lsp.DocumentSymbol(name=label, detail=kind, kind=_SYMBOL_KIND.get(kind, lsp.SymbolKind.Property),
                                      range=whole, selection_range=name))
    return out


@server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
def folding_range(ls: SibServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange]:
    doc = ls.document(params.text_document.uri)
    return [lsp.FoldingRange(start_line=a, end_line=b) for a, b in doc.folding()]


@server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
def semantic_tokens(ls: SibServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
    doc = ls.document(params.text_document.uri)
    data: list[int] = []
    previous_line = previous_start = 0
    for line, start, length, kind, declaration in doc.tokens():
        delta_line = line - previous_line
        delta_start = start - previous_start if delta_line == 0 else start
        data += [delta_line, delta_start, length, TOKEN_TYPES.index(kind), 1 if declaration else 0]
        previous_line, previous_start = line, start
    return lsp.SemanticTokens(data=data)


def main() -> None:
    """Serve over standard input and output until the client says exit."""
    logging.basicConfig(level=logging.WARNING)
    server.start_io()
