"""`sibc diff OLD NEW`: clause changes in the contract's words, the change in every figure
(checked against the analysis run directly on the new file), verdict changes (exit 1), JSON
shape, and `--claims` settled under both versions (checked against `settle` run directly)."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sibdsl.analysis.outputs import analyse, facts_json
from sibdsl.cli.main import cli
from sibdsl.compiler import compile_file, compile_text
from sibdsl.settlement.engine import settle
from sibdsl.settlement.ledger import read_ledger

ROOT = Path(__file__).resolve().parent.parent
FCF = ROOT / "contracts" / "fair-chance-fund.sib"
LEDGER = str(ROOT / "contracts" / "ledgers" / "fair-chance-fund-claims.csv")
SOURCE = FCF.read_text(encoding="utf-8")

RAISED_CAP = ("cap per participant GBP 15,000", "cap per participant GBP 16,000")
HOUSED_3M = '''outcome housed_3m "Accommodation sustained 3 months"
  pays GBP 1,500'''
NEW_OUTCOME = '\noutcome volunteer_30w "30 weeks volunteering"\n  pays GBP 500\n  after volunteer_26w at least 4 weeks\n'
SHARES = [("pays 66.67% of each outcome payment", "pays 60% of each outcome payment"),
          ("pays 33.33% of each outcome payment", "pays 40% of each outcome payment")]
KEEP_ASSERTION = ("assert each participant is paid at most GBP 15,000", "assert each participant is paid at most GBP 16,000")


def amend(*edits: tuple[str, str], append: str = "") -> str:
    text = SOURCE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text + append


def run(tmp_path: Path, new_text: str, *args: str, old_text: str = SOURCE) -> tuple[int, str, str]:
    old = tmp_path / "old.sib"
    new = tmp_path / "new.sib"
    old.write_text(old_text, encoding="utf-8")
    new.write_text(new_text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(old), str(new), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def as_json(tmp_path: Path, new_text: str, *args: str, old_text: str = SOURCE) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(tmp_path, new_text, "--format", "json", *args, old_text=old_text)
    return code, json.loads(out)


def facts_of(text: str) -> dict[str, Any]:
    result = compile_text(text, "direct.sib")
    model, found, verdicts = analyse(result, shown=True)
    assert model is not None and found is not None
    return facts_json(model, found, verdicts)


def figure(document: dict[str, Any], key: str) -> dict[str, Any]:
    return next(f for f in document["figures"] if f["key"] == key)


def change_texts(document: dict[str, Any]) -> list[str]:
    return [c["text"] for c in document["changes"]]


# ------------------------------------------------------------------ clause changes


def test_raised_cap_new_outcome_changed_share(tmp_path: Path) -> None:
    """The issue's case: a raised cap, a new outcome and a changed share, with the figures."""
    text = amend(RAISED_CAP, KEEP_ASSERTION, *SHARES, append=NEW_OUTCOME)
    code, doc = as_json(tmp_path, text)
    texts = change_texts(doc)
    assert "Cap per participant: GBP 15,000 -> GBP 16,000" in texts
    assert "New outcome '30 weeks volunteering' (volunteer_30w), pays GBP 500" in texts
    assert "Payer 'Department for Communities and Local Government' (dclg): share 66.67% -> 60%" in texts
    assert "Payer 'Cabinet Office (Social Outcomes Fund)' (cabinet_office): share 33.33% -> 40%" in texts
    cap = next(c for c in doc["changes"] if c["section"] == "cap")
    assert cap["quote"] == ["- cap per participant GBP 15,000 then pay in part",
                            "+ cap per participant GBP 16,000 then pay in part"]
    assert cap["old_line"] == SOURCE.splitlines().index("cap per participant GBP 15,000 then pay in part") + 1
    # every figure: old is the analysis of the old file, new that of the new file
    old_facts, new_facts = facts_of(SOURCE), facts_of(text)
    participant = figure(doc, "participant:young_people:")
    assert participant["old"]["amount"] == old_facts["participant_max"][0]["amount"]
    assert participant["new"]["amount"] == new_facts["participant_max"][0]["amount"]
    assert Decimal(participant["delta"]) == Decimal(new_facts["participant_max"][0]["amount"]) - Decimal(
        old_facts["participant_max"][0]["amount"]) != 0
    assert participant["changed"] and participant["new"]["exact"] is new_facts["participant_max"][0]["exact"]
    for key, p in new_facts["payers"].items():
        assert figure(doc, f"payer:{key}")["new"]["amount"] == p["max"]
    assert figure(doc, "liability")["new"]["amount"] == new_facts["liability"]
    assert figure(doc, "liability")["new"]["exact"] is new_facts["liability_exact"]
    binds = figure(doc, "cap:participant::money")
    assert binds["changed"] and "16,000" in binds["new"]["text"]
    # the assertion was amended with the cap: its text changed, its verdict did not
    verdict = next(v for v in doc["assertions"] if v["key"] == "participant_max::")
    assert (verdict["old"], verdict["new"], verdict["changed"]) == ("proven", "proven", False)
    assert code == 0 and not doc["verdict_changed"]


def test_changed_price_quotes_the_clause(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, amend((HOUSED_3M, HOUSED_3M.replace("1,500", "1,750"))))
    assert code == 0
    assert "Outcome 'Accommodation sustained 3 months' (housed_3m): price GBP 1,500 -> GBP 1,750" in out
    assert "- pays GBP 1,500" in out and "+ pays GBP 1,750" in out


def test_removed_outcome(tmp_path: Path) -> None:
    start = SOURCE.index('outcome volunteer_26w "26 weeks volunteering"')
    end = SOURCE.index("# ---", start)
    code, doc = as_json(tmp_path, SOURCE[:start] + SOURCE[end:])
    assert "Outcome '26 weeks volunteering' (volunteer_26w) removed (it pays GBP 250)" in change_texts(doc)
    removed = next(c for c in doc["changes"] if c["status"] == "removed")
    assert removed["quote"][0] == '- outcome volunteer_26w "26 weeks volunteering"' and removed["new_line"] is None
    # the rate card is worth GBP 250 less to one participant, but the cap of 15,000 still binds
    assert figure(doc, "participant:young_people:")["changed"] is False
    assert code == 0


def test_new_tranche(tmp_path: Path) -> None:
    text = amend(('investor key_fund "Key Fund" commits GBP 210,000',
                  'investor key_fund "Key Fund" commits GBP 210,000\n'
                  'tranche launch GBP 300,000 on 2015-01-01 from bridges'))
    code, doc = as_json(tmp_path, text)
    assert "New tranche launch, GBP 300,000, from bridges, on 2015-01-01" in change_texts(doc)
    assert code == 0


def test_assertion_that_flips_its_verdict_exits_1(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, amend(RAISED_CAP))  # the cap is raised, the assertion is not
    assert code == 1
    assert out.index("ASSERTION VERDICTS CHANGED (1)") < out.index("Clauses changed")
    assert "'each participant is paid at most GBP 15,000' proven -> refuted" in out
    assert "assertion verdict changed" in err
    code, doc = as_json(tmp_path, amend(RAISED_CAP))
    flipped = [v for v in doc["assertions"] if v["changed"]]
    assert [(v["key"], v["old"], v["new"]) for v in flipped] == [("participant_max::", "proven", "refuted")]
    assert doc["verdict_changed"] is True and code == 1


def test_changed_assertion_value_flips(tmp_path: Path) -> None:
    text = amend(("assert each participant is paid at most GBP 15,000", "assert each participant is paid at most GBP 14,000"))
    code, doc = as_json(tmp_path, text)
    assert ("Assertion 'each participant is paid at most GBP 15,000' -> 'each participant is paid at most GBP 14,000'"
            in change_texts(doc))
    assert code == 1


def test_identical_files(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, SOURCE)
    assert code == 0 and "no changes" in out and not err
    code, doc = as_json(tmp_path, SOURCE)
    assert doc["no_changes"] is True and doc["changes"] == [] and not any(f["changed"] for f in doc["figures"])


def test_broken_file_prints_its_diagnostics(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, SOURCE.replace("after move_in at least 3 months", "after move_inn at least 3 months"))
    assert code == 1 and out == ""
    assert "SIB" in err and "move_inn" in err and "nothing compared" in err


def test_usage_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["diff", str(FCF)])
    assert result.exit_code == 2
    code, _, err = run(tmp_path, SOURCE, "--measurements", "m.csv")
    assert code == 2 and "--claims" in err
    help_text = CliRunner().invoke(cli, ["diff", "--help"]).output
    assert "Example" in help_text and "sibc diff" in help_text


# ------------------------------------------------------------------ versions


def test_version_history_and_supersedes_warning(tmp_path: Path) -> None:
    header = ('version 1.0', 'version 1.1\nsupersedes version 1.0\n'
              'amendment 1.1 on 2016-01-01 "Cap per participant raised to GBP 16,000" clause "Variation 1"')
    code, doc = as_json(tmp_path, amend(header, RAISED_CAP, KEEP_ASSERTION))
    assert (doc["old"]["version"], doc["new"]["version"]) == ("1.0", "1.1")
    assert doc["amendments"] == [{"version": "1.1", "day": "2016-01-01", "clause": "Variation 1",
                                  "summary": "Cap per participant raised to GBP 16,000"}]
    assert doc["warnings"] == []
    wrong = ('version 1.0', 'version 1.2\nsupersedes version 1.1')
    code, out, err = run(tmp_path, amend(wrong))
    assert "warning: the new text supersedes version 1.1, but the old text is version 1.0" in out
    assert "supersedes version 1.1" in err and code == 0
    assert "version 1.0 -> 1.2" in out
    code, out, err = run(tmp_path, amend(RAISED_CAP, KEEP_ASSERTION))
    assert "warning: both texts are version 1.0" in out and code == 0
    peterborough = (ROOT / "contracts" / "peterborough-reoffending.sib").read_text(encoding="utf-8")
    assert "supersedes version 1.0" in peterborough  # version 2.0: compared with itself, no warning
    code, out, err = run(tmp_path, peterborough, old_text=peterborough)
    assert "warning" not in out + err and code == 0


# ------------------------------------------------------------------ formats


def test_json_shape(tmp_path: Path) -> None:
    _, doc = as_json(tmp_path, amend(RAISED_CAP, append=NEW_OUTCOME), "--claims", LEDGER)
    assert doc["schema"] == "sibc-diff/1"
    assert set(doc) == {"schema", "old", "new", "currency", "warnings", "no_changes", "verdict_changed", "amendments",
                        "changes", "figures", "assertions", "analysis_stopped", "claims"}
    for c in doc["changes"]:
        assert set(c) == {"section", "key", "status", "text", "clause", "fields", "old_line", "new_line", "quote"}
        assert c["status"] in ("added", "removed", "changed")
    for f in doc["figures"]:
        assert set(f) == {"key", "label", "changed", "old", "new", "delta"}
        for side in (f["old"], f["new"]):
            if side is not None and side["amount"] is not None:
                Decimal(side["amount"])  # an exact decimal string
                assert isinstance(side["amount"], str) and (side["exact"] or side["bound"])
    claims = doc["claims"]
    assert set(claims) >= {"ledger", "claims", "changed", "payers", "periods", "total", "diagnostics"}
    for p in claims["payers"]:
        assert Decimal(p["new"]) - Decimal(p["old"]) == Decimal(p["delta"])


def test_markdown_and_output_file(tmp_path: Path) -> None:
    out_file = tmp_path / "variation.md"
    code, out, _ = run(tmp_path, amend(RAISED_CAP, KEEP_ASSERTION), "--format", "markdown", "-o", str(out_file))
    assert code == 0 and out == ""
    text = out_file.read_text(encoding="utf-8")
    assert text.startswith("# sibc diff") and "## Clauses changed (2)" in text and "```diff" in text


# ------------------------------------------------------------------ claims


def _settled_direct(text: str) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Per claim id the amount, per payer the total: `settle` run directly on a version."""
    path = Path("direct.sib")
    result = compile_text(text, str(path))
    assert result.model is not None
    ledger = read_ledger(LEDGER, "claims", result.model)
    done = settle(result.model, ledger.records)
    payers: dict[str, Decimal] = defaultdict(Decimal)
    for (payer, _), amount in done.invoices.items():
        payers[payer] += amount
    return {d.claim_id: d.amount for d in done.decisions}, payers


def test_claims_raised_price(tmp_path: Path) -> None:
    text = amend((HOUSED_3M, HOUSED_3M.replace("1,500", "1,750")))
    code, doc = as_json(tmp_path, text, "--claims", LEDGER)
    old_amounts, old_payers = _settled_direct(SOURCE)
    new_amounts, new_payers = _settled_direct(text)
    moved = {k for k in old_amounts if old_amounts[k] != new_amounts[k]}
    claims = doc["claims"]
    assert moved and {c["claim_id"] for c in claims["changed"]} == moved
    for c in claims["changed"]:
        assert c["outcome"] == "housed_3m" and "price GBP 1,500.00 -> GBP 1,750.00" in c["why"]
        assert Decimal(c["old"]["amount"]) == old_amounts[c["claim_id"]]
        assert Decimal(c["new"]["amount"]) == new_amounts[c["claim_id"]]
    difference = sum(Decimal(c["delta"]) for c in claims["changed"])
    assert Decimal(claims["total"]["delta"]) == difference
    assert sum(Decimal(p["delta"]) for p in claims["periods"]) == difference
    for p in claims["payers"]:
        assert Decimal(p["old"]) == old_payers[p["payer"]] and Decimal(p["new"]) == new_payers[p["payer"]]
    assert code == 0


def test_claims_text_and_removed_outcome(tmp_path: Path) -> None:
    start = SOURCE.index('outcome education_entry "Entry into education or training"')
    end = SOURCE.index("outcome entry_level_qual", start)
    code, out, _ = run(tmp_path, SOURCE[:start] + SOURCE[end:], "--claims", LEDGER)
    assert "FCF-0007 (YP-001, education_entry, row 8): paid GBP 500.00 -> not a claim of the new version" in out
    assert "under the new version, row 8, column outcome: the contract has no outcome 'education_entry'" in out
    assert code == 0


def test_claims_changed_share_moves_money_between_payers(tmp_path: Path) -> None:
    code, doc = as_json(tmp_path, amend(*SHARES), "--claims", LEDGER)
    claims = doc["claims"]
    assert claims["changed"] == [] and claims["resplit"] > 0 and Decimal(claims["total"]["delta"]) == 0
    dclg = next(p for p in claims["payers"] if p["payer"] == "dclg")
    assert Decimal(dclg["delta"]) < 0
    _, new_payers = _settled_direct(amend(*SHARES))
    assert Decimal(dclg["new"]) == new_payers["dclg"] and code == 0


def test_ledger_problems_are_reported_as_settle_does(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("claim_id,participant,outcome,date\nC1,P1,move_inn,2015-02-01\n", encoding="utf-8")
    code, out, err = run(tmp_path, amend(RAISED_CAP, KEEP_ASSERTION), "--claims", str(bad))
    assert code == 1 and "SIB704" in err and "move_inn" in err and "invalid row" in err and "invalid row" in out
    code, out, err = run(tmp_path, SOURCE, "--claims", str(tmp_path / "missing.csv"))
    assert code == 1 and "SIB701" in err and "no changes" in out and "could not be read" in out


@pytest.mark.parametrize("name", ["peterborough-reoffending.sib", "cofunded-outcomes-partnership.sib"])
def test_other_contracts_identical(tmp_path: Path, name: str) -> None:
    text = (ROOT / "contracts" / name).read_text(encoding="utf-8")
    code, out, _ = run(tmp_path, text, old_text=text)
    assert code == 0 and "no changes" in out
    assert compile_file(ROOT / "contracts" / name).model is not None


def test_long_lists_of_claims_are_cut_in_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sibdsl.compare import output

    monkeypatch.setattr(output, "SHOWN_CLAIMS", 1)
    text = amend(("pays GBP 500\n  triggered by \"initial assessment completed\"",
                  "pays GBP 600\n  triggered by \"initial assessment completed\""))
    old_amounts, _ = _settled_direct(SOURCE)
    new_amounts, _ = _settled_direct(text)
    moved = sum(old_amounts[k] != new_amounts[k] for k in old_amounts)
    assert moved > 2
    code, out, _ = run(tmp_path, text, "--claims", LEDGER)
    assert f"{moved} of 26 claims change decision or amount" in out
    assert f"... and {moved - 1} more (every one in --format json)" in out
    code, doc = as_json(tmp_path, text, "--claims", LEDGER)
    assert len(doc["claims"]["changed"]) == moved and code == 0


# ------------------------------------------------------------------ docs/diff.md


DOC_EDITS = [
    ('contract "Fair Chance Fund: Fusion Housing" version 1.0',
     'contract "Fair Chance Fund: Fusion Housing" version 1.1\nsupersedes version 1.0\namendment 1.1 on 2016-04-01 '
     '"Cap per participant raised; 30-week volunteering added; shares 60/40" clause "Variation 1"'),
    RAISED_CAP, *SHARES,
    ('  evidence "letter from the volunteering organisation"\n\n# ---',
     '  evidence "letter from the volunteering organisation"\n\noutcome volunteer_30w "30 weeks volunteering"\n'
     '  pays GBP 500\n  after volunteer_26w at least 4 weeks\n  triggered by "30 weeks volunteering"\n'
     '  evidence "letter from the volunteering organisation"\n\n# ---'),
]


def test_the_example_of_docs_diff_md_is_what_diff_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "contracts" / "ledgers").mkdir(parents=True)
    (tmp_path / "contracts" / "fair-chance-fund.sib").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "contracts" / "ledgers" / "fair-chance-fund-claims.csv").write_text(
        Path(LEDGER).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "amended.sib").write_text(amend(*DOC_EDITS), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["diff", "contracts/fair-chance-fund.sib", "amended.sib", "--claims",
                                      "contracts/ledgers/fair-chance-fund-claims.csv"])
    assert result.exit_code == 1
    doc = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    assert result.stdout in doc, "regenerate the example in docs/diff.md"


def test_investor_terms_change_the_investor_figures(tmp_path: Path) -> None:
    old_text = (ROOT / "contracts" / "massachusetts-juvenile-justice-pfs.sib").read_text(encoding="utf-8")
    assert old_text.count("interest 5% a year") == 1 and old_text.count("\n  returns at most 5% a year") == 1
    new_text = old_text.replace("interest 5% a year", "interest 6% a year").replace(
        "\n  returns at most 5% a year", "\n  returns at most 6% a year")
    new_text = new_text.replace("tranche senior_second USD 4.5m on 2016-01-01", "tranche senior_second USD 4m on 2016-01-01")
    code, doc = as_json(tmp_path, new_text, old_text=old_text)
    texts = change_texts(doc)
    assert ("Investor 'Goldman Sachs Social Impact Fund (senior lender)' (goldman): interest 5% a year -> 6% a year; "
            "returns at most 5% a year -> 6% a year") in texts
    assert "Tranche senior_second: amount USD 4,500,000 -> USD 4,000,000" in texts
    new_facts = facts_of(new_text)
    goldman = next(i for i in new_facts["investors"] if i["investor"] == "goldman")
    received = figure(doc, "investor:goldman:max_received")
    assert received["changed"] and received["new"]["amount"] == goldman["max_received"]["amount"]
    assert received["new"]["exact"] is goldman["max_received"]["exact"]
    if not goldman["max_received"]["exact"]:
        assert received["new"]["text"].startswith("at most") and "upper bound" in received["new"]["text"]
    assert figure(doc, "investor:goldman:max_loss")["new"]["amount"] == goldman["max_loss"]["amount"]
    assert [v["key"] for v in doc["assertions"] if v["changed"]] == ["investor_return:goldman:"]
    assert code == 1


def test_header_settings_and_long_texts(tmp_path: Path) -> None:
    text = amend(("term 2015-01-01 to 2017-12-31", "term 2015-01-01 to 2018-06-30"),
                 ("settled quarterly in arrears", "settled monthly in arrears"),
                 ("identified risk of homelessness", "identified risk of homelessness or eviction"))
    code, doc = as_json(tmp_path, text)
    header = next(c for c in doc["changes"] if c["section"] == "header")
    assert header["text"] == ("Contract: term 2015-01-01 to 2017-12-31 -> 2015-01-01 to 2018-06-30; "
                              "settled quarterly in arrears -> monthly in arrears")
    assert "- term 2015-01-01 to 2017-12-31" in header["quote"]
    assert any(q.startswith("+ settled monthly in arrears") for q in header["quote"])  # the line as written
    definition = next(c for c in doc["changes"] if c["section"] == "definition")
    assert definition["text"].startswith('Definition "sustained": meaning "the participant has remained')
    assert "\n" not in definition["text"] and definition["text"].endswith('homelessness or eviction"')
    assert code == 0


PHASED = """contract "Phased" version 1
currency GBP
term 2020-01-01 to 2021-12-31
rounding half up to GBP 0.01 remainder to council
payer council "Council" pays 70% until 2020-12-31, then 80%
payer fund "Fund" pays 30% until 2020-12-31, then 20%
outcome move_in "Move in" pays GBP 500
cap contract GBP 20,000
"""


def test_phased_shares_in_words(tmp_path: Path) -> None:
    new_text = PHASED.replace("version 1", "version 2").replace("then 80%", "then 90%").replace("then 20%", "then 10%")
    code, doc = as_json(tmp_path, new_text, old_text=PHASED)
    assert change_texts(doc) == ["Payer 'Council' (council): share 70% until 2020-12-31, then 80% -> "
                                 "70% until 2020-12-31, then 90%",
                                 "Payer 'Fund' (fund): share 30% until 2020-12-31, then 20% -> "
                                 "30% until 2020-12-31, then 10%"]
    council = figure(doc, "payer:council")
    assert council["new"]["amount"] == facts_of(new_text)["payers"]["council"]["max"]
    assert council["old"]["amount"] == facts_of(PHASED)["payers"]["council"]["max"] != council["new"]["amount"]
    assert code == 0
