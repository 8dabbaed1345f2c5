"""`sibc lsp` end to end (issue 13, items 1 and 4): a real LSP client (pytest-lsp) starts the
server over stdio and drives every feature on contracts from contracts/: diagnostics as you
type, hover with figures, definition, references, rename, completion, formatting, a quick fix
from a hint, the outline, folding and semantic tokens; and the server survives hostile
documents sent as edits."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
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


async def test_hover_on_a_diagnostic_shows_its_hint_once(client: LanguageClient) -> None:
    """The hint is in the diagnostic's message, which the editor shows with the hover: the
    hover gives the code's explanation, not the message and hint a second time."""
    text = MHCLG.read_text(encoding="utf-8").replace("after housed_3m at least 3 months", "after housd_3m at least 3 months")
    uri = _open(client, MHCLG, text)
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    d = next(d for d in client.diagnostics[uri] if d.code == "SIB101")
    hover = await client.text_document_hover_async(lsp.HoverParams(text_document=_doc(uri),
                                                                   position=_where(text, "housd_3m", 2)))
    assert hover is not None
    value = hover.contents.value  # type: ignore[union-attr]
    shown = d.message + "\n" + value  # what VS Code shows on the name: the diagnostic, then the hover
    assert shown.count("did you mean 'housed_3m'?") == 1, shown
    assert "**SIB101**" in value and "unknown name" in value  # the `sibc explain` text


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


async def _until(client: LanguageClient, uri: str, done: Callable[[list[str]], bool], seconds: float = 60) -> list[str]:
    """Wait for published diagnostics whose codes satisfy `done` (the analysis runs in the background)."""
    deadline = time.monotonic() + seconds
    codes = [str(d.code) for d in client.diagnostics.get(uri, [])]
    while not done(codes):
        assert time.monotonic() < deadline, codes
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        codes = [str(d.code) for d in client.diagnostics.get(uri, [])]
    return codes


async def test_analysis_notes_come_back_when_the_text_is_the_analysed_text_again(client: LanguageClient) -> None:
    """The SIB720 notes of the analysis run on open are replaced by the compiler's diagnostics
    after an edit, and published again once the text is the analysed text again (an undo)."""
    text = MHCLG.read_text(encoding="utf-8")
    uri = _open(client, MHCLG, text)
    analysed = await _until(client, uri, lambda codes: "SIB720" in codes)
    _change(client, uri, text + "\n# typing\n", 2)
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert "SIB720" not in [d.code for d in client.diagnostics[uri]]  # not analysed: the compiler's alone
    _change(client, uri, text, 3)
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [str(d.code) for d in client.diagnostics[uri]] == analysed


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


async def test_hover_says_why_the_analysis_figures_are_not_there(client: LanguageClient) -> None:
    """Running (opened or saved, not finished), not analysed because of errors, or edited since."""
    text = KIRKLEES.read_text(encoding="utf-8")  # its analysis takes seconds
    uri = _open(client, KIRKLEES, text)
    position = _where(text, "payer kirklees", len("payer k"))

    async def value() -> str:
        hover = await client.text_document_hover_async(lsp.HoverParams(text_document=_doc(uri), position=position))
        return hover.contents.value if hover else ""  # type: ignore[union-attr]

    assert "The analysis is running" in await value()
    _change(client, uri, text.replace("currency GBP", "currency GPB"), 2)  # SIB204: no model
    assert "once the errors are fixed and the file is saved" in await value()
    _change(client, uri, text + "\n# typing\n", 3)
    assert "Save the file for the analysis's figures" in await value()


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


async def test_completion_offers_only_the_names_of_the_kind_that_fits(client: LanguageClient) -> None:
    """After `assert payer` only payers, after an outcome's `after` only the other outcomes,
    after `cap outcome` only outcomes (all names were offered, the outcome itself included)."""
    head = MHCLG.read_text(encoding="utf-8")
    outcomes = {row.split()[1] for row in head.split("\n") if row.startswith("outcome ")}
    uri = _open(client, MHCLG, head)
    version = 2
    for tail, wanted in [("\nassert payer ", {"mhclg"}),
                         ("\noutcome extra \"Extra\"\n  pays GBP 10\n  after ", outcomes),
                         ("\ncap outcome ", outcomes)]:
        text = head + tail
        _change(client, uri, text, version)
        version += 1
        line = text.count("\n")
        found = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=_doc(uri), position=lsp.Position(line=line, character=len(text.rsplit("\n", 1)[-1]))))
        names = {i.label for i in found.items if i.detail != "keyword"}  # type: ignore[union-attr]
        assert names == wanted, (tail, names ^ wanted)


# a small contract with a name of every kind, for completion by position
KINDS = """contract "Kinds" version 1.0
currency GBP
term 2020-01-01 to 2022-12-31
rounding half up
payer council "The Council" pays 60%, at most GBP 1m
payer fund "The Fund" pays 40%
provider charity "The Charity"
investor bank "The Bank" commits GBP 500,000
cohort young "Young people" at most 100 participants
  subgroup women "Women"
cohort old "Older people"
outcome entry "Entry" pays GBP 100
outcome job "Job" pays GBP 500 after entry at least 3 months
tranche first GBP 100,000 on 2020-01-01
reset lost "Lost" restarts job
"""
EVERY_NAME = {"council", "fund", "charity", "bank", "young", "women", "old", "entry", "job", "first", "lost"}
PARTIES = {"council", "fund", "charity", "bank"}


@pytest.mark.parametrize(("tail", "wanted"), [
    ("assert payer ", {"council", "fund"}),
    ("assert ", {"entry", "job"}),  # `assert job is never paid twice`
    ("assert subgroup ", {"women"}),
    ("assert tranche ", {"first"}),
    ("assert tranche first is released before ", {"first"}),
    ("assert investor ", {"bank"}),
    ("cap outcome ", {"entry", "job"}),
    ("cap payer ", {"council", "fund"}),
    ("cap cohort ", {"young", "old"}),
    ("cap subgroup ", {"women"}),
    ("cap outcome job 40% of paid outcomes of entry, ", {"entry", "job"}),
    ("only one of ", {"entry", "job"}),
    ("only one of entry, ", {"entry", "job"}),
    ("outcome extra \"Extra\" pays GBP 10 after ", {"entry", "job"}),  # not itself
    ("outcome extra \"Extra\" pays GBP 10 after entry and ", {"entry", "job"}),
    ("outcome extra \"Extra\" pays GBP 10 after entry or job or ", {"entry", "job"}),
    ("outcome extra \"Extra\" pays GBP 10 in addition to ", {"entry", "job"}),
    ("outcome extra \"Extra\" pays GBP 10 includes entry, ", {"entry", "job"}),
    ("outcome extra \"Extra\" pays GBP 10 net of ", {"entry", "job"}),
    ("outcome extra \"Extra\" pays GBP 10 for cohort ", {"young", "old"}),
    ("outcome extra \"Extra\" pays GBP 10 for cohorts young, ", {"young", "old"}),
    ("outcome extra \"Extra\" pays GBP 10 pooled over ", {"young", "old"}),
    ("outcome extra \"Extra\" pays GBP 10 for ", {"women"}),  # a sub-group's price
    ("outcome extra \"Extra\" pays GBP 10 plus GBP 5 from ", {"council", "fund"}),
    ("outcome extra \"Extra\" pays tiered GBP 10 for 1 to 5 counted within subgroup ", {"women"}),
    ("outcome extra \"Extra\" pays GBP 10 triggered by ", set()),  # an event's name: free
    ("outcome job \"Job\" pays GBP 500 after ", {"entry"}),  # in a contract that declares it too
    ("cohort extra \"Extra\" separate from ", {"young", "old"}),
    ("reset again \"Again\" restarts ", {"entry", "job"}),
    ("reset again \"Again\" restarts job, ", {"entry", "job"}),
    ("rounding half up remainder to ", {"council", "fund"}),
    ("tranche second GBP 5 from ", {"bank"}),
    ("tranche second GBP 5 when payments of ", {"council", "fund", "young", "old", "women", "entry", "job"}),
    ("tranche second GBP 5 when ", set()),  # a figure word: payments, outcomes, participants
    ("investor other \"Other\" interest 5% a year guaranteed by ", PARTIES),
    ("investor other \"Other\" principal protected 50% by ", PARTIES),
    ("waterfall surplus 50% to ", PARTIES),
    ("payer third \"Third\" pays 50% of ", {"entry", "job"}),
    ("outcome ", set()),  # a new name: any declared one would be a duplicate
    ("payer ", set()),
    ("cohort young \"Young\" subgroup ", set()),
])
def test_completion_by_position_offers_the_kind_the_grammar_needs(tail: str, wanted: set[str]) -> None:
    from sibdsl.lsp.document import Document

    text = KINDS.replace("rounding half up\n", "") if tail.startswith("rounding") else KINDS
    text += tail
    doc = Document("file:///kinds.sib", text)
    assert Document("file:///kinds.sib", KINDS).result.ok and set(doc.symbols) >= EVERY_NAME
    line = text.count("\n")
    found = {label for label, kind in doc.completion(line, len(text.rsplit("\n", 1)[-1])) if kind != "keyword"}
    assert found == wanted, found ^ wanted


def test_completion_where_the_grammar_cannot_tell_offers_every_name() -> None:
    from sibdsl.lsp import names
    from sibdsl.lsp.document import Document

    text = KINDS + "outcome extra \"Extra\" pays GBP 10 after "
    saved = names.NAME_KINDS.pop(("prerequisite", "NAME"))
    try:
        doc = Document("file:///kinds.sib", text)
        found = {label for label, kind in doc.completion(text.count("\n"), len("outcome extra \"Extra\" pays GBP 10 after "))
                 if kind != "keyword"}
    finally:
        names.NAME_KINDS[("prerequisite", "NAME")] = saved
    assert found == EVERY_NAME


def test_every_rule_that_takes_a_name_says_which_kind() -> None:
    """`NAME_KINDS` covers each rule of grammar/sib.lark with a NAME or a name_list (name_list
    itself and its repetition take their user's kind), and the LR(0) items rebuilt for the
    parser's states agree with its table: each state reduces only rules it has completed."""
    from lark.parsers.lalr_analysis import Reduce

    from sibdsl.lsp import names
    from sibdsl.syntax.grammar import get_parser

    parser = get_parser()
    missing = {(r.alias or r.origin.name, s.name) for r in parser.rules for s in r.expansion
               if s.name in ("NAME", "name_list") and names._carrier(r.origin.name) is None} - set(names.NAME_KINDS)
    assert not missing
    assert not set(names.NAME_KINDS) - {(r.alias or r.origin.name, s.name) for r in parser.rules for s in r.expansion}
    automaton = names._items()
    table = parser.parser.parser._parse_table
    assert set(automaton.kernels) == set(table.states)
    for state, actions in table.states.items():
        completed = {(automaton.rules[r].origin, automaton.rules[r].expansion)
                     for r, d in automaton.closure(state) if d == len(automaton.rules[r].expansion)}
        for action, rule in actions.values():
            if action is Reduce:
                assert (rule.origin.name, tuple(s.name for s in rule.expansion)) in completed


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


def test_the_extension_tells_a_missing_sibc_from_one_whose_lsp_fails() -> None:
    """editors/vscode/extension.js, activated by editors/vscode/test/activate.js against a
    stand-in vscode module: "not found" only for a program that is not there; for one that
    is there but whose `lsp --help` fails, the exit code and the first line it wrote."""
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js (Debian/Ubuntu: apt-get install nodejs)")
    test_dir = ROOT / "editors" / "vscode" / "test"
    done = subprocess.run([node, str(test_dir / "activate.js")], capture_output=True, text=True, timeout=60,
                          cwd=test_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["missing"]["errors"] == ["sibc lsp not found: install sibdsl (pip install sibdsl) or set sibdsl.path"]
    [failed] = result["no-lsp"]["errors"]
    assert "not found" not in failed, failed
    assert "sibc-without-lsp lsp --help' exited with code 2: Error: No such command 'lsp'." in failed, failed
    assert not result["missing"]["clientStarted"] and not result["no-lsp"]["clientStarted"]
    assert result["ok"]["clientStarted"] and result["ok"]["errors"] == []


def test_help_names_the_features() -> None:
    from click.testing import CliRunner

    from sibdsl.cli.main import cli

    result = CliRunner().invoke(cli, ["lsp", "--help"])
    assert result.exit_code == 0 and "Language Server Protocol" in result.output
    _ = pytest
