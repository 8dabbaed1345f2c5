"""`sibc fmt` (issue 12, item 1; docs/fmt.md), proven the way Black proves itself.

For every file in contracts/, tests/golden/ and generated contracts: formatting twice changes
nothing, every comment survives in order, and the compiled model (and every diagnostic code) is
the same before and after. The layout rules each have a test; the command's flags, stdin mode,
exit codes and refusal of broken files are tested through the CLI; hostile and mangled inputs
never crash it.
"""

from __future__ import annotations

import random
import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_text
from sibdsl.syntax import formatter
from sibdsl.syntax.formatter import Unsafe, format_text
from tests.test_hostile import CASES
from tests.test_soundness_generated import generate

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = sorted((ROOT / "contracts").glob("*.sib"))
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.sib"))


def _readable(path: Path) -> str | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text


CORPUS = [(p.relative_to(ROOT).as_posix(), t) for p in CONTRACTS + GOLDEN if (t := _readable(p)) is not None]
GENERATED = [(f"generated-{seed}", generate(random.Random(seed))) for seed in range(60)]
# the declarations no contract in contracts/ happens to use, in an untidy layout with comments
HISTORY = ("history", """contract "Variations"   version 1.2   # the text as amended
supersedes version   1.1
   amendment 1.1 on 2021-01-04 "Volunteering added"   clause "Variation 1"
amendment "1.2" on 2021-06-30 "Cap raised"
clauses   "Schedule 2, paragraph"
currency GBP
term 2020-01-01 to 2022-12-31
payer p "P" pays 100%, at most GBP 9,000   # the only payer
outcome a "A" pays GBP 5 clause "2.1"
""")


def _comments(text: str) -> list[str]:
    from sibdsl.core.diagnostics import DiagnosticSink
    from sibdsl.core.source import SourceFile
    from sibdsl.syntax.parse import parse_source

    tree = parse_source(SourceFile("x", text), DiagnosticSink("x"))
    assert tree is not None
    return [c.text.rstrip() for c in tree.comments]


def _meaning(text: str) -> tuple[object, list[str]]:
    result = compile_text(text, "x.sib")
    model = result.model.model_dump(mode="json") if result.model is not None else None
    return model, sorted(d.code for d in result.diagnostics)


@pytest.mark.parametrize(("name", "text"), CORPUS + GENERATED + [HISTORY],
                         ids=[n for n, _ in CORPUS + GENERATED + [HISTORY]])
def test_formatting_is_idempotent_keeps_comments_and_meaning(name: str, text: str) -> None:
    once = format_text(text, name)
    if once.text is None:  # a golden file of a syntax error: fmt refuses it, with the same diagnostics
        assert any(d.severity.value == "error" for d in once.diagnostics)
        assert name.startswith("tests/golden/SIB0"), name
        return
    assert format_text(once.text, name).text == once.text, "formatting twice changed the text"
    assert _comments(once.text) == _comments(text)
    assert _meaning(once.text) == _meaning(text)
    assert once.text == "" or (once.text.endswith("\n") and not once.text.startswith("\n"))
    assert all(line == line.rstrip() or '"""' in once.text for line in once.text.splitlines())


def test_the_corpus_covers_every_kind_of_declaration() -> None:
    kinds = {type(d).__name__ for _, text in [*CORPUS, *GENERATED, HISTORY] for d in _decls(text)}
    assert kinds >= {"ContractDecl", "CurrencyDecl", "TermDecl", "RoundingDecl", "SettlementDecl", "ClausesDecl",
                     "ClaimsDeadlineDecl", "RunOffDecl", "DefineDecl", "PartyDecl", "InvestorDecl", "CohortDecl",
                     "OutcomeDecl", "CapDecl", "ExclusiveDecl", "TrancheDecl", "AssertDecl", "ResetDecl",
                     "WaterfallDecl", "SupersedesDecl", "AmendmentDecl"}, kinds


def _decls(text: str) -> tuple[object, ...]:
    from sibdsl.core.diagnostics import DiagnosticSink
    from sibdsl.core.source import SourceFile
    from sibdsl.syntax.parse import parse_source

    tree = parse_source(SourceFile("x", text), DiagnosticSink("x"))
    return tree.declarations if tree is not None else ()


def test_every_contract_is_in_the_canonical_layout() -> None:
    wrong = [p.name for p in CONTRACTS if format_text(p.read_text(encoding="utf-8")).text != p.read_text(encoding="utf-8")]
    assert not wrong, f"run `sibc fmt contracts/`: {wrong}"


# ------------------------------------------------------------------ the layout rules
def fmt(text: str) -> str:
    result = format_text(text)
    assert result.text is not None, result.diagnostics
    return result.text


HEAD = 'contract "X" version 1\ncurrency GBP\nterm 2020-01-01 to 2022-12-31\n'


def test_declarations_start_at_column_zero_and_clauses_are_indented_two() -> None:
    text = HEAD + '   payer p "P"\n        pays 100%\noutcome a "A"\n pays GBP 5\n\t\tonce\n'
    assert fmt(text) == HEAD + 'payer p "P"\n  pays 100%\noutcome a "A"\n  pays GBP 5\n  once\n'


def test_two_declarations_on_one_line_are_split() -> None:
    assert fmt(HEAD + 'payer p "P" pays 100% outcome a "A" pays GBP 5\n') == \
        HEAD + 'payer p "P" pays 100%\noutcome a "A" pays GBP 5\n'


def test_continuation_lines_are_indented_four_and_one_line_declarations_two() -> None:
    text = HEAD + ('payer p "P" pays 100%\noutcome a "A"\n  pays tiered GBP 1 for 1 to 2,\n'
                   '              GBP 2 from 3 onwards\nreset r "R"\n         restarts a\n')
    assert fmt(text) == HEAD + ('payer p "P" pays 100%\noutcome a "A"\n  pays tiered GBP 1 for 1 to 2,\n'
                                '    GBP 2 from 3 onwards\nreset r "R"\n  restarts a\n')


def test_spacing_inside_a_line_is_one_space_with_the_usual_exceptions() -> None:
    text = HEAD + ('payer p "P"   pays   100 %  ,   at    most GBP  1 m\n'
                   'outcome a "A" pays £ 10\ncap contract ( GBP 1 + GBP 2 ) * 3\n'
                   'outcome b "B" pays GBP 5 million\n')
    assert fmt(text) == HEAD + ('payer p "P" pays 100%, at most GBP 1m\noutcome a "A" pays £10\n'
                                'cap contract (GBP 1 + GBP 2) * 3\noutcome b "B" pays GBP 5 million\n')


def test_a_long_line_of_several_clauses_is_broken_before_each() -> None:
    long = HEAD + 'payer p "P" pays 100%\noutcome a "A very long title for an outcome" pays GBP 5 within 3 months ' \
                  'of referral once evidence "a long piece of evidence text"\n'
    assert fmt(long) == HEAD + ('payer p "P" pays 100%\noutcome a "A very long title for an outcome"\n  pays GBP 5\n'
                                '  within 3 months of referral\n  once\n  evidence "a long piece of evidence text"\n')


def test_blank_lines_collapse_to_one_and_none_at_the_ends() -> None:
    assert fmt("\n\n" + HEAD + '\n\n\n\npayer p "P" pays 100%\n\n\n') == HEAD + '\npayer p "P" pays 100%\n'


def test_comments_keep_their_place_and_aligned_columns() -> None:
    text = ("# title\n" + HEAD + 'payer p "P"      # the council\n    pays 100%       # all of it\n'
            '      # about a\noutcome a "A" pays GBP 5\n  # still about a\n\n# the end\n')
    out = fmt(text)
    # a trailing comment keeps its column; an own-line comment indented under a declaration
    # stays with it, one at column 1 goes with the declaration after it
    assert out == ("# title\n" + HEAD + 'payer p "P"      # the council\n  pays 100%         # all of it\n'
                   '  # about a\noutcome a "A" pays GBP 5\n  # still about a\n\n# the end\n')
    assert fmt(HEAD + 'payer p "P" pays 100%\n# about a\noutcome a "A" pays GBP 5\n') == \
        HEAD + 'payer p "P" pays 100%\n# about a\noutcome a "A" pays GBP 5\n'


def test_a_comment_after_code_that_grew_stands_two_spaces_after_it() -> None:
    assert fmt(HEAD + 'payer p "P" pays 100% outcome a "A" pays GBP 5 # note\n').endswith(
        'outcome a "A" pays GBP 5  # note\n')


def test_strings_and_long_strings_are_kept_byte_for_byte() -> None:
    text = HEAD + 'payer p "P  with   spaces" pays 100%\ndefine "x" as\n      """line one   \n   line two"""\n'
    out = fmt(text)
    assert '"P  with   spaces"' in out and '"""line one   \n   line two"""' in out


def test_windows_line_ends_become_unix_ones() -> None:
    text = (HEAD + 'payer p "P" pays 100%\noutcome a "A" pays GBP 5\n').replace("\n", "\r\n")
    assert fmt(text) == HEAD + 'payer p "P" pays 100%\noutcome a "A" pays GBP 5\n'


def test_a_file_that_does_not_parse_is_refused_with_its_diagnostics() -> None:
    result = format_text(HEAD + 'payer p "P pays 100%\n')
    assert result.text is None and [d.code for d in result.diagnostics] == ["SIB013"]


def test_a_layout_that_would_change_the_meaning_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formatter, "_render", lambda lines, text: text.replace("GBP 5", "GBP 6"))
    with pytest.raises(Unsafe):
        format_text(HEAD + 'payer p "P" pays 100%\noutcome a "A" pays GBP 5\n')


# ------------------------------------------------------------------ canonical: spacing does not matter
def _respace(text: str, rng: random.Random) -> str:
    """The same tokens with other spaces between them on each line (line breaks kept)."""
    out = []
    for line in text.split("\n"):
        if '"' in line or "#" in line:  # strings and comments are kept as written
            out.append(" " * rng.randint(0, 3) + line.strip())
            continue
        words = line.split()
        out.append(" " * rng.randint(0, 6) + "".join(w + " " * rng.randint(1, 4) for w in words))
    return "\n".join(out)


@pytest.mark.parametrize(("name", "text"), GENERATED[:20], ids=[n for n, _ in GENERATED[:20]])
def test_the_layout_does_not_depend_on_the_spaces_written(name: str, text: str) -> None:
    rng = random.Random(name)
    assert fmt(_respace(text, rng)) == fmt(text)


# ------------------------------------------------------------------ robustness
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_inputs_never_crash_the_formatter(case: object, tmp_path: Path) -> None:
    path = tmp_path / "hostile.sib"
    path.write_bytes(case.make())  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["fmt", str(path)])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_contracts_are_formatted_or_refused_never_crash(data: st.DataObject) -> None:
    name, text = data.draw(st.sampled_from(CORPUS[:16]))
    words = re.split(r"(\s+)", text)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(words) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "newline", "comment"]))
        if op == "drop":
            words[i] = ""
        elif op == "dup":
            words[i] = words[i] * 2
        elif op == "newline":
            words[i] = words[i] + "\n"
        else:
            words[i] = words[i] + " # x\n"
    mangled = "".join(words)
    result = format_text(mangled, name)  # raises nothing: Unsafe would be a formatter bug
    if result.text is not None:
        assert format_text(result.text).text == result.text
        assert _meaning(result.text) == _meaning(mangled)


# ------------------------------------------------------------------ the command
def _run(args: list[str], stdin: str | None = None) -> object:
    return CliRunner().invoke(cli, args, input=stdin)


def test_check_lists_files_that_would_change_and_exits_1(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.sib", tmp_path / "bad.sib"
    good.write_text(HEAD + 'payer p "P" pays 100%\n')
    bad.write_text(HEAD + 'payer p "P"    pays 100%\n')
    result = _run(["fmt", "--check", str(tmp_path)])
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert f"would reformat {bad}" in result.output and str(good) not in result.output.split("would")[0]  # type: ignore[attr-defined]
    assert bad.read_text() == HEAD + 'payer p "P"    pays 100%\n'  # --check changes nothing
    good_only = _run(["fmt", "--check", str(good)])
    assert good_only.exit_code == 0  # type: ignore[attr-defined]


def test_diff_shows_the_change_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.sib"
    path.write_text(HEAD + 'payer p "P"    pays 100%\n')
    result = _run(["fmt", "--diff", str(path)])
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert '-payer p "P"    pays 100%' in result.output and '+payer p "P" pays 100%' in result.output  # type: ignore[attr-defined]
    assert "    pays" in path.read_text()
    assert _run(["fmt", "--diff", "--check", str(path)]).exit_code == 1  # type: ignore[attr-defined]


def test_fmt_rewrites_in_place_keeping_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "c.sib"
    path.write_text(HEAD + 'payer p "P"    pays 100%\n')
    path.chmod(0o640)
    result = _run(["fmt", str(path)])
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert path.read_text() == HEAD + 'payer p "P" pays 100%\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["c.sib"]  # no temporary file left behind
    assert "1 file reformatted" in result.output  # type: ignore[attr-defined]


def test_stdin_to_stdout_for_editors() -> None:
    result = _run(["fmt", "-"], HEAD + 'payer p "P"    pays 100%\n')
    assert result.exit_code == 0 and result.output == HEAD + 'payer p "P" pays 100%\n'  # type: ignore[attr-defined]


def test_a_broken_file_is_left_alone_with_located_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "c.sib"
    text = HEAD + 'payer p "P pays 100%\n'
    path.write_text(text)
    result = _run(["fmt", str(path)])
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "c.sib:4:9: error[SIB013]" in result.output and "hint:" in result.output  # type: ignore[attr-defined]
    assert path.read_text() == text


def test_an_unsafe_layout_is_an_internal_error_and_the_file_is_kept(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formatter, "_render", lambda lines, text: text.replace("100%", "50%"))
    path = tmp_path / "c.sib"
    text = HEAD + 'payer p "P"    pays 100%\n'
    path.write_text(text)
    result = _run(["fmt", str(path)])
    assert result.exit_code == 3 and "internal error" in result.output  # type: ignore[attr-defined]
    assert path.read_text() == text


def test_help_explains_the_layout_and_the_exit_codes() -> None:
    result = _run(["fmt", "--help"])
    assert result.exit_code == 0  # type: ignore[attr-defined]
    for words in ("canonical layout", "--check", "--diff", "standard input", "Exit codes"):
        assert words in result.output  # type: ignore[attr-defined]


# ------------------------------------------------------------------ the pre-commit hooks
def _hooks() -> list[dict[str, str]]:
    """The hook definitions of .pre-commit-hooks.yaml (a flat list of `key: value` maps)."""
    hooks: list[dict[str, str]] = []
    for line in (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("- "):
            hooks.append({})
            line = line[2:]
        key, _, value = line.strip().partition(":")
        hooks[-1][key.strip()] = value.strip()
    return hooks


def test_pre_commit_hooks_run_sibc_on_sib_files(tmp_path: Path) -> None:
    hooks = {h["id"]: h for h in _hooks()}
    assert set(hooks) == {"sibc-fmt", "sibc-fmt-check", "sibc-check"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["files"] == r"\.sib$" and hook["entry"].startswith("sibc ")
    # each entry, given files as pre-commit gives them, does its job
    messy = tmp_path / "c.sib"
    messy.write_text(HEAD + 'payer p "P"    pays 100%\noutcome a "A" pays GBP 5\n')
    check_args = hooks["sibc-fmt-check"]["entry"].split()[1:]
    assert _run([*check_args, str(messy)]).exit_code == 1  # type: ignore[attr-defined]
    assert _run([*hooks["sibc-fmt"]["entry"].split()[1:], str(messy)]).exit_code == 0  # type: ignore[attr-defined]
    assert _run([*check_args, str(messy)]).exit_code == 0  # type: ignore[attr-defined]
    assert _run([*hooks["sibc-check"]["entry"].split()[1:], str(messy)]).exit_code == 0  # type: ignore[attr-defined]
    broken = tmp_path / "broken.sib"
    broken.write_text(HEAD + 'payer p "P" pays 50%\noutcome a "A" pays GBP 5\n')
    assert _run([*hooks["sibc-check"]["entry"].split()[1:], str(broken)]).exit_code == 1  # type: ignore[attr-defined]
