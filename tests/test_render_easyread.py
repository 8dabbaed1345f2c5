"""The easy-read version (issue 12, item 2): `sibdsl.render.easyread.build_easy_read`.

For every contract in contracts/ and for contracts written by the generator of
tests/test_soundness_generated.py (every payment construct): the document builds; no code name
of an outcome, cohort, sub-group, payer or party appears; every outcome title and every
evidence text appears; sentences are short (measured by `sibdsl.render.easyread_check`); the
"not paid for" section states every cap, payer maximum, once-only and `only one of` rule of the
model; dates are written in words. Then hand-checked sentences on MHCLG Greater Manchester and
the tariff-shapes contract, and small contracts for the constructs the generator never writes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pytest

from sibdsl.compiler import compile_file, compile_text
from sibdsl.model.contract import Contract
from sibdsl.render.document import Block, Bullets, Document, Heading, Paragraph, Table, Terms
from sibdsl.render.easyread import (
    ABOUT,
    ALL_ONCE,
    ALL_ONCE_GROUP,
    ASK,
    INFORMATION,
    NOT_PAID,
    PAID,
    PAYS,
    SUCCESS,
    WHO,
    build_easy_read,
)
from sibdsl.render.easyread_check import contract_texts, readability, texts
from sibdsl.render.easyread_words import clean, day_text, money, quoted
from tests.test_soundness_generated import generate

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = sorted((ROOT / "contracts").glob("*.sib"))
MHCLG = ROOT / "contracts" / "mhclg-greater-manchester-rough-sleeping.sib"
SHAPES = ROOT / "contracts" / "tiered-and-cohort-outcomes.sib"

# The readability bounds (UK easy-read guidance: aim for 15-20 words at most). The builder's own
# sentences are held to 20 words; with the contract's own texts (eligibility in legal words,
# long titles) the average must stay at 15 or under.
AVERAGE_MAX = 15.0
OWN_AVERAGE_MAX = 10.0
OWN_LONGEST_MAX = 20


def _compiled(path: Path) -> Contract:
    result = compile_file(path)
    assert result.model is not None, path
    return result.model


def _generated(count: int = 120, seed: int = 12) -> list[Contract]:
    rng = random.Random(seed)
    found: list[Contract] = []
    while len(found) < count:
        result = compile_text(generate(rng))
        if result.model is not None and result.ok:
            found.append(result.model)
    return found


GENERATED = _generated()


def _all_text(doc: Document) -> str:
    return "\n".join(texts(doc))


def section(doc: Document, heading: str) -> list[str]:
    """The texts under a top-level heading, up to the next one."""
    out: list[str] = []
    inside = False
    for b in doc.blocks:
        if isinstance(b, Heading) and b.level == 1:
            inside = b.text == heading
            continue
        if not inside:
            continue
        match b:
            case Heading() | Paragraph():
                out.append(b.text)
            case Bullets():
                out.extend(b.items)
            case Table():
                out.extend(cell for row in b.rows for cell in row)
            case _:
                pass
    return out


def code_names(c: Contract) -> set[str]:
    """The model's names that are not plain English: with `_` or a digit, or a word the
    contract's own prose never uses (titles, eligibility, evidence, definitions)."""
    prose = " ".join(contract_texts(c)).lower()
    names = {o.name for o in c.outcomes} | {co.name for co in c.cohorts} | {p.name for p in c.payers}
    names |= {s.name for co in c.cohorts for s in co.subgroups} | {p.name for p in c.parties}
    names |= {i.name for i in c.investors} | {r.name for r in c.resets} | {g.name for g in c.exclusive_groups}
    names |= {t.name for t in c.tranches}
    return {n for n in names if "_" in n or re.search(r"\d", n) or not re.search(rf"\b{re.escape(n.lower())}\b", prose)}


def leaked(c: Contract, doc: Document) -> list[str]:
    """The code names in the builder's own words (the contract's own texts taken out: a
    generated title such as "Sub s00" may hold its name)."""
    text = _all_text(doc)
    for t in sorted(contract_texts(c), key=len, reverse=True):
        text = text.replace(t, " ")
    return sorted(n for n in code_names(c) if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text))


def check_document(c: Contract) -> Document:
    """Every check that holds for any contract; returns the document for more."""
    doc = build_easy_read(c)
    text = _all_text(doc)
    headings = [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 1]
    assert headings[:8] == [ABOUT, WHO, SUCCESS, PAID, NOT_PAID, INFORMATION, PAYS, ASK]
    assert all(h.endswith("?") for h in headings)
    assert leaked(c, doc) == []
    for o in c.outcomes:
        assert clean(o.title) in text, o.title
        if o.evidence and clean(o.evidence):
            assert clean(o.evidence) in "\n".join(section(doc, INFORMATION)), o.evidence
    # the rate card: one row per outcome, with its money
    (table,) = doc.tables()
    assert [row[0] for row in table.rows] == [clean(o.title) for o in c.outcomes]
    for o, row in zip(c.outcomes, table.rows, strict=True):
        if o.tariff.kind == "fixed":
            assert row[1].startswith(money(o.tariff.price, c.header.currency) + "."), row
    # short sentences, measured
    r = readability(doc, contract_texts(c))
    assert r.average <= AVERAGE_MAX, r
    assert r.own_average <= OWN_AVERAGE_MAX, r
    assert r.own_longest <= OWN_LONGEST_MAX, r.longest_sentence
    # dates in words, never ISO
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
    assert day_text(c.header.term_start) in text and day_text(c.header.term_end) in text
    for co in c.cohorts:
        if co.referral_start is not None and co.referral_end is not None:
            assert f"between {day_text(co.referral_start)} and {day_text(co.referral_end)}" in text
    check_not_paid(c, doc)
    return doc


def check_not_paid(c: Contract, doc: Document) -> None:
    """The "not paid for" section states the model's caps and once-only rules."""
    items = section(doc, NOT_PAID)
    body = "\n".join(items)

    def m(amount: Decimal) -> str:
        return money(amount, c.header.currency)

    titles = {o.name: quoted(o.title) for o in c.outcomes}
    for kinds, whole in (([o for o in c.outcomes if o.tariff.kind != "cohort_level"], ALL_ONCE),
                         ([o for o in c.outcomes if o.tariff.kind == "cohort_level"], ALL_ONCE_GROUP)):
        once = [o for o in kinds if o.times_limit == 1]
        if kinds and len(once) == len(kinds):
            assert whole in items
        else:
            assert whole not in items
            if once:
                line = next(i for i in items if i.startswith("These are paid only once"))
                assert all(titles[o.name] in line for o in once)
        for o in kinds:
            if o.times_limit not in (1, None):
                assert any(i.startswith(f"{titles[o.name]} is paid at most {o.times_limit} times") for i in items)
    for g in c.exclusive_groups:
        assert any(i.startswith("Only ") and all(titles[n] in i for n in g.members) for i in items), g
    for cap in c.caps:
        limit = m(cap.limit) if cap.measure == "money" else f"{cap.limit.normalize():f}"
        if cap.measure == "share":
            limit += "%"
        hits = [i for i in items if limit in i.replace(",", "") or limit in i]
        assert hits, (cap, body)
        if cap.scope == "outcome" and cap.target:
            assert any(titles[cap.target] in i for i in hits), cap
        if cap.scope == "participant":
            assert any(i.startswith(f"There is a limit of {m(cap.limit)} for each person.") for i in items)
    for p in c.payers:
        if p.cap is not None and not any(cap.scope == "payer" and cap.target == p.name for cap in c.caps):
            assert f"{clean(p.title)} pays at most {m(p.cap)} in total." in items
    for o in c.outcomes:
        if o.not_if_held:
            line = next(i for i in items if i.startswith("Things you already had when you were referred"))
            assert titles[o.name] in line
    if c.header.claims_until is not None:
        assert f"The service must ask to be paid by {day_text(c.header.claims_until)}." in items


@pytest.mark.parametrize("path", CONTRACTS, ids=[p.stem for p in CONTRACTS])
def test_every_contract_reads_easily(path: Path) -> None:
    check_document(_compiled(path))


def test_generated_contracts_read_easily() -> None:
    from tests.test_soundness_generated import constructs

    seen: set[str] = set()
    for c in GENERATED:
        check_document(c)
        seen |= constructs(c)
    # the generator reached the constructs the easy-read text explains in its own words
    wanted = {"tariff fixed", "tariff subgroup", "tariff tiered", "tariff sliding", "tariff per_unit",
              "tariff cohort_level", "tariff tiered band cap", "tariff tiered counted within", "repeat up_to",
              "repeat unlimited", "ladder at least", "ladder by", "prerequisite or", "held at referral", "if paid",
              "not if held", "reset", "pooled over", "net of", "window of referral", "window of start",
              "indexation", "top-up", "only 1 of", "only k>1 of", "cap participant", "cap outcome money",
              "cap outcome count", "cap subgroup share", "cap cohort money", "cap period", "cap year",
              "cap payer", "cap contract", "cap then reject", "payer at most", "shares per phase",
              "shares per outcome", "claims until", "run-off", "subgroups", "cohorts 2", "referral window"}
    assert wanted <= seen, sorted(wanted - seen)


def test_the_code_name_check_can_fail() -> None:
    c = _compiled(MHCLG)
    doc = build_easy_read(c)
    assert {"housed_3m", "accommodation_entry", "gmhp", "tenancy_lost"} <= code_names(c)
    assert "entrenched" not in code_names(c)  # a word of the cohort's own title
    spoiled = Document(title=doc.title, blocks=(*doc.blocks, Paragraph(text="See housed_3m and gmhp.")))
    assert leaked(c, spoiled) == ["gmhp", "housed_3m"]


def test_the_readability_check_measures() -> None:
    doc = Document(title="T", blocks=(Paragraph(text="One two three. Four five."),
                                      Bullets(items=(f"Ask {quoted('A very long title of many words indeed')} now.",))))
    r = readability(doc)
    assert (r.sentences, r.longest, r.own_longest) == (4, 10, 3)
    assert r.average == pytest.approx((1 + 3 + 2 + 10) / 4, abs=0.01)


# ---------------------------------------------------------------- hand-checked sentences


def _rows(doc: Document) -> dict[str, str]:
    (table,) = doc.tables()
    return {row[0]: row[1] for row in table.rows}


def _under(doc: Document, title: str) -> tuple[str, ...]:
    """The bullet list that follows a level-2 heading."""
    i = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 2 and b.text == title)
    block = doc.blocks[i + 1]
    assert isinstance(block, Bullets)
    return block.items


def test_mhclg_by_hand() -> None:
    doc = build_easy_read(_compiled(MHCLG))
    assert "If you already had this when you were referred, it does not count." in _under(doc, "Entry into accommodation")
    assert _under(doc, "Accommodation sustained 3 months") == (
        "It counts 3 months or more after \u201cEntry into accommodation\u201d.",
        "It also counts if you already had \u201cEntry into accommodation\u201d when you were referred.",
        "Then the time counts from the day you were referred.",
        "It can count only once for you.",
        "If this happens, the count starts again: \u201cAccommodation abandoned or lost\u201d.")
    assert _under(doc, "First Level 2 qualification")[:2] == (
        "This can count on its own.",
        "But if \u201cFirst Level 1 qualification\u201d was paid first, this must come 3 months or more after it.")
    job = _under(doc, "Employment sustained 13 weeks")
    assert job[0] == "It can count in more than one way."
    assert job[1] == ("One way: it counts 13 weeks or more after "
                      "\u201cEntry into part-time employment (under 16 hours a week)\u201d.")
    text = _all_text(doc)
    assert "Sometimes this happens: \u201cAccommodation abandoned or lost\u201d.\nIf it happens, the count starts again." in text
    not_paid = section(doc, NOT_PAID)
    assert ALL_ONCE in not_paid
    assert "Ministry of Housing, Communities and Local Government pays at most \u00a32,629,000 in total." in not_paid
    assert "Nothing is paid for successes after 31 March 2021." in not_paid
    assert "You must be referred between 1 December 2017 and 31 December 2019." in text
    assert "To show \u201cEntry into accommodation\u201d, the service uses: tenancy or licence agreement." in text
    assert "The contract says that no more than \u00a319,000 should be paid for one person." in text
    assert ("Social impact bond (SIB)" in text) and "MHCLG Rough Sleeping SIB" in text  # the title's jargon explained


def test_tariff_shapes_by_hand() -> None:
    doc = build_easy_read(_compiled(SHAPES))
    rows = _rows(doc)
    assert rows["Placed in formal employment"].startswith("The first 370 successes: 1,100 US dollars each.")
    assert "Nothing for anyone else." in rows["Retained in formal employment 3 months"]
    assert _under(doc, "Retained in formal employment 3 months")[0] == (
        "This is only paid for people in \u201cVulnerable: poverty score under the programme threshold\u201d or "
        "\u201cVery vulnerable: in extreme poverty or displaced by conflict\u201d.")
    assert "The amount goes up by 2% each year from 1 January 2021." in rows["Retained in formal employment 6 months"]
    assert "At 1.4 or more: 100% of this." in rows["Improvement in a standardised employability skills test"]
    group = _under(doc, "Increase in the formal employment rate against a comparison group")
    assert group[:2] == ("This is not about one person.", "It is about the results of a whole group.")
    assert "The change must be at least 5 to count." in group
    not_paid = section(doc, NOT_PAID)
    assert "There is a limit of 4,000 US dollars for each person." in not_paid
    assert "\u201cPlaced in formal employment\u201d is paid at most 600 times in total." in not_paid
    assert "Some payments depend on the results of the whole group, not on one person." in section(doc, PAID)
    assert "Independent evaluator also checks the information." in section(doc, INFORMATION)


def test_pooled_results_by_hand() -> None:
    doc = build_easy_read(_compiled(ROOT / "contracts" / "peterborough-reoffending.sib"))
    pooled = _under(doc, "Reduction in reconviction events across all cohorts")
    assert any(i.startswith("The results of these groups are added together:") for i in pooled)
    assert "is taken off." in _rows(doc)["Reduction in reconviction events across all cohorts"]


SMALL = '''contract "Small" version 2.0
supersedes version 1.0
amendment 2.0 on 2020-06-01 "A bonus for an early start"
currency GBP
term 2020-01-01 to 2021-12-31
claims until 2022-03-31
payer council "City Council" pays 100%, pays 50% of bonus payments
payer fund "Outcomes Fund" pays 50% of bonus payments
provider prov "Helping Hands"
validator checkers_co "Independent Checkers"
investor inv "Local Investors" commits GBP 100,000
cohort people_a "People looking for work"
  referred 2020-01-01 to 2020-12-31
  eligibility """Aged 18 or over; out of work for 6 months."""
  subgroup young
outcome job_start "Started a job" pays GBP 800 triggered by "job start" not if held at referral
  where "job" means "paid work of 16 hours a week or more"
outcome bonus "Started a job quickly" pays GBP 200 within 6 months of referral
  triggered by "job start" in addition to job_start
outcome job_13w "13 weeks in work" pays GBP 1,000 after job_start at least 13 weeks by 6 months
outcome job_26w "26 weeks in work, including the first 13" pays GBP 2,000 includes job_13w
  after job_start at least 26 weeks
only one of job_13w, job_26w per participant
cap subgroup young GBP 5,000 then reject
'''


def test_constructs_the_generator_does_not_write() -> None:
    result = compile_text(SMALL)
    assert result.model is not None, [d.message for d in result.diagnostics]
    c = result.model
    doc = check_document(c)
    text = _all_text(doc)
    rows = _rows(doc)
    assert "This is paid on top of \u201cStarted a job\u201d." in rows["Started a job quickly"]
    assert "This payment already covers \u201c13 weeks in work\u201d." in rows["26 weeks in work, including the first 13"]
    assert "It must happen between 13 weeks and 6 months after \u201cStarted a job\u201d." in _under(doc, "13 weeks in work")
    assert "It is counted when this happens: job start." in _under(doc, "Started a job")
    not_paid = section(doc, NOT_PAID)
    assert ("Only one of these is paid for each person: \u201c13 weeks in work\u201d and "
            "\u201c26 weeks in work, including the first 13\u201d.") in not_paid
    assert ("There is a limit of \u00a35,000 in total for people in \u201cgroup A of People looking for work\u201d. "
            "A payment that would go over this limit is not paid at all.") in not_paid
    assert "\u201cStarted a job quickly\u201d does not count if it happens more than 6 months after you were referred." \
        in not_paid
    assert "The service must ask to be paid by 31 March 2022." in not_paid
    assert "The contract was last changed on 1 June 2020." in text
    assert "Some of them pay only for some successes, or their part changes over time." in section(doc, PAYS)
    assert ("Investors put money in at the start, and are paid back from the money paid for successes."
            in section(doc, PAYS))
    assert "Independent Checkers checks the results." in section(doc, ASK)
    assert "Job" in text and "Paid work of 16 hours a week or more." in text
    eligibility = [i for b in doc.blocks if isinstance(b, Bullets) for i in b.items if i.startswith(("Aged", "Out of"))]
    assert eligibility == ["Aged 18 or over.", "Out of work for 6 months."]


# ---------------------------------------------------------------- the excerpt in docs/easy-read.md


def as_text(blocks: Iterable[Block]) -> list[str]:
    """Blocks as the plain text of the docs page: headings with #, list items with -, a table
    as `cell | cell` rows under its header, a definition as `term: meaning`."""
    lines: list[str] = []
    for b in blocks:
        match b:
            case Heading():
                lines += ["", f"{'#' * (b.level + 1)} {b.text}", ""]
            case Paragraph():
                lines.append(b.text)
            case Bullets():
                lines += [f"- {i}" for i in b.items]
            case Table():
                lines += [" | ".join(b.header), *(" | ".join(row) for row in b.rows)]
            case Terms():
                lines += [f"{t}: {m}" for t, m in b.items]
    return lines


def excerpt(doc: Document, headings: list[str]) -> str:
    """The named sections (a heading and its blocks up to the next heading of its level or above)."""
    chosen: list[Block] = []
    blocks = list(doc.blocks)
    for title in headings:
        i = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == title)
        head = blocks[i]
        assert isinstance(head, Heading)
        j = next((k for k in range(i + 1, len(blocks))
                  if isinstance(blocks[k], Heading) and blocks[k].level <= head.level), len(blocks))  # type: ignore[union-attr]
        chosen += blocks[i:j]
    return "\n".join(as_text(chosen)).strip("\n")


def test_the_docs_excerpts_are_generated() -> None:
    page = (ROOT / "docs" / "easy-read.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- excerpt: (\S+) \| (.+?) -->\s*```text\n(.*?)\n```", page, re.DOTALL)
    assert found, "docs/easy-read.md has no generated excerpt"
    for file, names, text in found:
        doc = build_easy_read(_compiled(ROOT / "contracts" / file))
        assert text == excerpt(doc, [n.strip() for n in names.split("|")]), f"regenerate the excerpt of {file}"
