"""`sibc lsp` end to end (issue 13, items 1 and 4): a real LSP client (pytest-lsp) starts the
server over stdio and drives every feature on contracts from contracts/: diagnostics as you
type, hover with figures, definition, references, rename, completion, formatting, a quick fix
from a hint, the outline, folding and semantic tokens; and the server survives hostile
documents sent as edits."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from sibdsl.syntax.formatter import format_text
from tests.test_hostile import CASES

ROOT = Path(__file__).resolve().parents[1]
MHCLG = ROOT / "contracts" / "mhclg-greater-manchester-rough-sleeping.sib"
KIRKLEES = ROOT / "contracts" / "kirklees-better-outcomes.sib"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "sibdsl", "lsp"]))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=ROOT.as_uri()))
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="sib", version=version, text=path.read_text(encoding="utf-8") if text is None else text)))
    return uri


def _change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))


def _where(text: str, needle: str, offset: int = 1) -> lsp.Position:
    """The position `offset` characters into the first occurrence of `needle`."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return lsp.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


def _doc(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


async def test_a_broken_contract_gets_its_diagnostics_with_codes_ranges_and_hints(client: LanguageClient) -> None:
    text = MHCLG.read_text(encoding="utf-8").replace("after housed_3m at least 3 months", "after housd_3m at least 3 months")
    uri = _open(client, MHCLG, text)
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    found = [d for d in client.diagnostics[uri] if d.code == "SIB101"]
    assert len(found) == 1, client.diagnostics[uri]
    d = found[0]
    assert d.source == "sibc" and d.severity == lsp.DiagnosticSeverity.Error
    assert d.range.start == _where(text, "housd_3m", 0) and d.range.end == _where(text, "housd_3m", len("housd_3m"))
    assert "did you mean 'housed_3m'?" in d.message
    # the quick fix from the hint replaces the name
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=_doc(uri), range=d.range, context=lsp.CodeActionContext(diagnostics=[d])))
    assert actions and actions[0].title == "Replace with 'housed_3m'"
    edit = actions[0].edit.changes[uri][0]  # type: ignore[union-attr,index]
    assert edit.new_text == "housed_3m" and edit.range == d.range


async def test_diagnostics_follow_each_edit(client: LanguageClient) -> None:
    good = KIRKLEES.read_text(encoding="utf-8")
    uri = _open(client, KIRKLEES, good)
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert not [d for d in client.diagnostics[uri] if d.severity == lsp.DiagnosticSeverity.Error]
    _change(client, uri, good.replace("currency GBP", "currency GPB"), 2)
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in client.diagnostics[uri]] == ["SIB204"]
    _change(client, uri, good, 3)
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert not [d for d in client.diagnostics[uri] if d.severity == lsp.DiagnosticSeverity.Error]


async def test_hover_on_an_outcome_gives_its_title_source_and_figures(client: LanguageClient) -> None:
    text = MHCLG.read_text(encoding="utf-8")
    uri = _open(client, MHCLG)
    hover = await client.text_document_hover_async(lsp.HoverParams(text_document=_doc(uri),
                                                                   position=_where(text, "after housed_3m", 8)))
    assert hover is not None
    value = hover.contents.value  # type: ignore[union-attr]
    assert "**Accommodation sustained 6 months**" in value or "**Accommodation sustained 3 months**" in value
    assert "one claim is paid at most GBP" in value


async def test_hover_on_a_payer_after_save_shows_what_it_can_owe(client: LanguageClient) -> None:
    text = KIRKLEES.read_text(encoding="utf-8")
    uri = _open(client, KIRKLEES)
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=_doc(uri)))
    position = _where(text, "payer kirklees", len("payer k"))
    deadline = time.monotonic() + 60
    value = ""
    while time.monotonic() < deadline:  # the analysis runs in the background: typing is never blocked
        hover = await client.text_document_hover_async(lsp.HoverParams(text_document=_doc(uri), position=position))
        value = hover.contents.value if hover else ""  # type: ignore[union-attr]
        if "can owe at most" in value:
            break
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert "can owe at most GBP 15,700,000.00" in value, value
    assert "pays 157/223 of each payment (about 70.40%)" in value  # `in proportion to its maximum`: exact


async def test_definition_references_and_rename(client: LanguageClient) -> None:
    text = MHCLG.read_text(encoding="utf-8")
    uri = _open(client, MHCLG)
    use = _where(text, "after housed_3m", 8)
    found = await client.text_document_definition_async(lsp.DefinitionParams(text_document=_doc(uri), position=use))
    assert isinstance(found, lsp.Location) and found.range.start == _where(text, "outcome housed_3m", 8)
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=_doc(uri), position=use, context=lsp.ReferenceContext(include_declaration=True)))
    # declared once, used in `after housed_3m` and in the reset's `restarts` list
    assert len(refs) == 1 + text.count("housed_3m,") + text.count("after housed_3m") - 0
    edit = await client.text_document_rename_async(lsp.RenameParams(text_document=_doc(uri), position=use,
                                                                    new_name="housed_three_months"))
    assert edit is not None and edit.changes is not None
    changes = edit.changes[uri]
    assert len(changes) == len(refs) and all(c.new_text == "housed_three_months" for c in changes)
    # applying the edits gives a contract that still compiles
    lines = text.split("\n")
    for c in sorted(changes, key=lambda c: (c.range.start.line, c.range.start.character), reverse=True):
        row = lines[c.range.start.line]
        lines[c.range.start.line] = row[: c.range.start.character] + c.new_text + row[c.range.end.character:]
    from sibdsl.compiler import compile_text

    renamed = "\n".join(lines)
    assert "housed_3m" not in renamed.replace("housed_3m\"", "")
    assert compile_text(renamed).ok


async def test_completion_of_names_keywords_and_units(client: LanguageClient) -> None:
    head = MHCLG.read_text(encoding="utf-8")
    text = head + "\noutcome extra \"Extra\"\n  pays GBP 10\n  after \n"
    uri = _open(client, MHCLG, text)
    line = text.count("\n") - 1
    names = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=_doc(uri), position=lsp.Position(line=line, character=len("  after "))))
    labels = {i.label for i in names.items}  # type: ignore[union-attr]
    assert {"housed_3m", "accommodation_entry"} <= labels
    text2 = head + "\noutcome extra \"Extra\"\n  pays GBP 10\n  within 3 \n"
    _change(client, uri, text2, 2)
    units = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=_doc(uri), position=lsp.Position(line=text2.count("\n") - 1, character=len("  within 3 "))))
    assert {"months", "weeks"} <= {i.label for i in units.items}  # type: ignore[union-attr]
    text3 = head + "\noutcome extra \"Extra\"\n  pays GBP 10\n  \n"
    _change(client, uri, text3, 3)
    keywords = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=_doc(uri), position=lsp.Position(line=text3.count("\n") - 1, character=2)))
    assert {"after", "within", "evidence", "once"} <= {i.label for i in keywords.items}  # type: ignore[union-attr]


async def test_formatting_gives_the_sibc_fmt_text(client: LanguageClient) -> None:
    messy = KIRKLEES.read_text(encoding="utf-8").replace("currency GBP", "currency    GBP")
    uri = _open(client, KIRKLEES, messy)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=_doc(uri), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert edits and len(edits) == 1
    assert edits[0].new_text == format_text(messy).text == KIRKLEES.read_text(encoding="utf-8")


async def test_outline_folding_and_semantic_tokens(client: LanguageClient) -> None:
    text = MHCLG.read_text(encoding="utf-8")
    uri = _open(client, MHCLG)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=_doc(uri)))
    names = [s.name for s in symbols]  # type: ignore[union-attr]
    assert "housed_3m" in names and "mhclg" in names and "entrenched" in names
    folds = await client.text_document_folding_range_async(lsp.FoldingRangeParams(text_document=_doc(uri)))
    assert folds and all(f.end_line > f.start_line for f in folds)
    tokens = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(text_document=_doc(uri)))
    assert tokens is not None and len(tokens.data) % 5 == 0
    # decode: the first token is the opening comment, and every line of code has a token
    lines = set()
    line = 0
    for i in range(0, len(tokens.data), 5):
        line += tokens.data[i]
        lines.add(line)
    code_lines = {n for n, row in enumerate(text.split("\n")) if row.strip()}
    assert code_lines <= lines
    # names are typed by what they name, declarations marked, as the TextMate grammar scopes them
    from sibdsl.lsp.document import TOKEN_TYPES

    line = character = 0
    seen: dict[str, set[tuple[str, int]]] = {}
    rows = text.split("\n")
    for i in range(0, len(tokens.data), 5):
        delta_line, delta_start, length, kind, modifiers = tokens.data[i:i + 5]
        line += delta_line
        character = delta_start if delta_line else character + delta_start
        word = rows[line][character:character + length]
        seen.setdefault(word, set()).add((TOKEN_TYPES[kind], modifiers))
    assert seen["housed_3m"] == {("function", 1), ("function", 0)}  # declared, and used
    assert ("class", 1) in seen["mhclg"] and ("namespace", 1) in seen["entrenched"]
    assert seen["GBP"] == {("number", 0)} and ("keyword", 0) in seen["outcome"]


async def test_the_server_survives_hostile_documents(client: LanguageClient) -> None:
    uri = _open(client, KIRKLEES)
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    version = 2
    for case in CASES:
        data = case.make()
        if len(data) > 2_000_000:
            continue  # the 10 MB case is a file-size limit, not an edit
        _change(client, uri, data.decode("utf-8", "replace"), version)
        version += 1
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        hover = await client.text_document_hover_async(lsp.HoverParams(text_document=_doc(uri),
                                                                       position=lsp.Position(line=0, character=0)))
        _ = hover
    # still alive and right
    _change(client, uri, KIRKLEES.read_text(encoding="utf-8"), version)
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert not [d for d in client.diagnostics[uri] if d.severity == lsp.DiagnosticSeverity.Error]


def test_help_names_the_features() -> None:
    from click.testing import CliRunner

    from sibdsl.cli.main import cli

    result = CliRunner().invoke(cli, ["lsp", "--help"])
    assert result.exit_code == 0 and "Language Server Protocol" in result.output
    _ = pytest
