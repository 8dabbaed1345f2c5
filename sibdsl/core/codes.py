"""The catalogue of diagnostic codes (shared by all phases).

Input: none. Output: `CATALOGUE`, code -> `CodeInfo` (phase, default severity, title,
explanation, an example that triggers it). It feeds `sibc explain CODE`, docs/diagnostics.md
and the test that every code has a golden case.

Codes are grouped by phase: SIB0xx input and syntax, SIB1xx names, SIB2xx units and values,
SIB3xx dates, SIB4xx payment structure, SIB5xx investment, SIB6xx assertions,
SIB9xx internal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SeverityName = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    phase: str
    severity_name: SeverityName
    title: str
    explanation: str
    example: str

    @property
    def severity(self):  # type: ignore[no-untyped-def]
        from sibdsl.core.diagnostics import Severity

        return Severity(self.severity_name)


def _c(code: str, phase: str, sev: SeverityName, title: str, explanation: str, example: str) -> CodeInfo:
    return CodeInfo(code, phase, sev, title, explanation, example)


_ENTRIES = [
    # ---- input and syntax
    _c("SIB001", "input", "error", "cannot read file",
       "The file does not exist, is a directory, or cannot be read.",
       "sibc check contracts/missing.sib"),
    _c("SIB002", "input", "error", "not UTF-8 text",
       "A .sib file must be UTF-8 text. Binary files, or text saved in another encoding "
       "(Windows-1252 from Word), are rejected at the first byte that is not UTF-8.",
       "A file saved from Word as 'Western European' with a pound sign in it."),
    _c("SIB003", "input", "error", "file too large",
       "Contracts are limited in size (5 MB by default, `--max-size` changes it) so that a "
       "stray file cannot stall CI.",
       "sibc check big.sib   # 10 MB"),
    _c("SIB004", "input", "error", "control character in text",
       "The file contains a NUL or other control character, usually a sign of a binary file.",
       'outcome a "A\\x00"'),
    _c("SIB010", "syntax", "error", "unexpected word or symbol",
       "The parser met a token that cannot stand here. The message says what it expected.",
       'outcome move_in "Move in" costs GBP 500    # the keyword is `pays`'),
    _c("SIB011", "syntax", "error", "unexpected character",
       "A character that is not part of the language (a stray symbol, a smart quote).",
       "outcome move_in \u201cMove in\u201d pays GBP 500   # curly quotes"),
    _c("SIB012", "syntax", "error", "unexpected end of file",
       "The file ends in the middle of a declaration.",
       'outcome move_in "Move in" pays'),
    _c("SIB013", "syntax", "error", "unterminated text",
       'A quoted title or text has no closing quote on the same line (use """ for text over '
       "several lines).",
       'outcome move_in "Move in pays GBP 500'),
    _c("SIB014", "syntax", "error", "nesting too deep",
       "Parentheses are nested more deeply than any contract needs (limit 32).",
       "cap contract ((((((((GBP 1))))))))  # times 40"),
    _c("SIB015", "syntax", "note", "too many syntax errors",
       "After 50 syntax errors in one file the rest are not reported.", ""),
    _c("SIB016", "syntax", "error", "number too long",
       "A number has more digits than any money or count in a contract (limit 18 before "
       "the decimal point, 10 after).",
       "cap contract GBP 1000000000000000000000000"),
    _c("SIB017", "syntax", "error", "digit other than 0-9",
       "Numbers, dates and names are written with the ASCII digits 0-9 only. Digits of other "
       "scripts (full-width ５, Arabic-Indic ٥, Devanagari ५) look like numbers but would be read "
       "differently by other tools, so they are refused; the hint shows the ASCII reading.",
       "outcome move_in \"Move in\" pays GBP ５００   # full-width digits: write GBP 500"),
    # ---- names
    _c("SIB101", "names", "error", "unknown name",
       "A name is used that is not declared, or not declared as the kind of thing needed here.",
       "outcome housed_3m \"Housed 3 months\" pays GBP 1,500 after move_inn"),
    _c("SIB102", "names", "error", "duplicate name",
       "Two declarations share one name; names must be unique within a contract.",
       'outcome move_in "A" pays GBP 1\noutcome move_in "B" pays GBP 2'),
    _c("SIB103", "names", "error", "name of the wrong kind",
       "The name exists but names another kind of thing (a cohort where an outcome is needed).",
       "outcome x \"X\" pays GBP 1 after young_people   # young_people is a cohort"),
    _c("SIB104", "names", "error", "missing or repeated header item",
       "Every contract declares exactly one `contract`, `currency` and `term`; other header "
       "items (rounding, settled, clauses) at most once.",
       'contract "A"\ncontract "B"'),
    _c("SIB105", "names", "error", "missing party",
       "A contract needs at least one outcomes payer, and at least one outcome.",
       'contract "No payer"\ncurrency GBP\nterm 2020-01-01 to 2021-01-01'),
    _c("SIB106", "names", "error", "clause given twice",
       "A clause that can be said once per declaration (a tariff, a window, a repeat rule) "
       "is said twice.",
       'outcome a "A" pays GBP 1 pays GBP 2'),
    # ---- units and values
    _c("SIB201", "units", "error", "wrong kind of value",
       "A value has the wrong unit for where it stands: money where a duration is needed, "
       "a count where money is needed.",
       "cohort c \"C\" at most GBP 150"),
    _c("SIB202", "units", "error", "incompatible units in arithmetic",
       "Arithmetic mixes units that cannot be combined: money plus a duration, money times money.",
       "cap contract GBP 500 + 3 months"),
    _c("SIB203", "units", "error", "wrong currency",
       "An amount is in a currency other than the contract's.",
       "currency GBP\noutcome a \"A\" pays USD 500"),
    _c("SIB204", "units", "error", "unknown currency",
       "The currency code is not an ISO 4217 code.",
       "currency GPB"),
    _c("SIB205", "units", "error", "not a whole number",
       "A count (participants, times, outcomes) must be a whole number.",
       "cohort c \"C\" at most 2.5 participants"),
    _c("SIB206", "units", "error", "value out of range",
       "A percentage, price or count is outside the range that makes sense here "
       "(a share above 100%, a price of zero or less, a limit of zero).",
       "payer p \"P\" pays 120%"),
    _c("SIB207", "units", "error", "division by zero", "A value divides by zero.",
       "cap contract GBP 10 / 0"),
    _c("SIB208", "units", "warning", "amount finer than the currency allows",
       "An amount has more decimal places than the currency's minor unit (GBP 0.001); it "
       "can never be paid exactly.",
       "outcome a \"A\" pays GBP 10.005"),
    # ---- dates
    _c("SIB301", "dates", "error", "impossible date",
       "A date that does not exist in the calendar (2015-02-30, month 13).",
       "term 2015-02-30 to 2017-12-31"),
    _c("SIB302", "dates", "error", "date range ends before it starts",
       "A range (term, referral window) whose end is before its start.",
       "term 2017-12-31 to 2015-01-01"),
    _c("SIB303", "dates", "error", "date outside the term",
       "A referral window, tranche date or deadline falls outside the contract term.",
       "term 2015-01-01 to 2017-12-31\ntranche t GBP 1 on 2019-01-01"),
    _c("SIB304", "dates", "warning", "window longer than the term",
       "An outcome window is longer than the whole term, so it never limits anything.",
       "outcome a \"A\" pays GBP 1 within 10 years of start"),
    # ---- payment structure
    _c("SIB401", "payments", "error", "payer shares do not add up to 100%",
       "Every outcome payment is split between the payers by their shares, which must add up "
       "to exactly 100%.",
       "payer a \"A\" pays 67%\npayer b \"B\" pays 30%"),
    _c("SIB402", "payments", "error", "payer caps inconsistent with the contract cap",
       "A payer's cap exceeds the contract cap, or, where every payer has a cap, the payer caps "
       "do not add up to the contract cap.",
       "payer a \"A\" pays 100% at most GBP 3m\ncap contract GBP 2m"),
    _c("SIB403", "payments", "warning", "payer cap binds before the contract cap",
       "A payer's cap is less than its share of the contract cap, so that payer stops paying "
       "before the contract cap is reached and later claims are paid only in part.",
       "payer a \"A\" pays 50% at most GBP 0.5m\npayer b \"B\" pays 50%\ncap contract GBP 2m"),
    _c("SIB404", "payments", "error", "prerequisite cycle",
       "Outcomes require each other in a circle, so none of them can ever be paid.",
       "outcome a \"A\" pays GBP 1 after b\noutcome b \"B\" pays GBP 1 after a"),
    _c("SIB405", "payments", "error", "gap between tiers",
       "Tiered bands skip some outcome numbers, which would then have no price.",
       "pays tiered GBP 1,100 for 1 to 370, GBP 1,000 for 380 to 410"),
    _c("SIB406", "payments", "error", "overlapping tiers or scale points",
       "Two tiered bands cover the same outcome number, or two scale points sit at one value.",
       "pays tiered GBP 1,100 for 1 to 370, GBP 1,000 for 360 to 410"),
    _c("SIB407", "payments", "error", "tiers or scale points out of order",
       "Bands must run upward from outcome 1, and scale points upward in the measured value.",
       "pays GBP 10,000 scaled by \"score\": 100% at 1.4, 0% at 0.5"),
    _c("SIB408", "payments", "error", "payer share missing",
       "With more than one payer, every payer must say what share of each payment it pays.",
       "payer a \"A\" pays 60%\npayer b \"B\""),
    _c("SIB409", "payments", "warning", "sub-group without a price",
       "A tariff priced per sub-group gives no price for some sub-group of the cohort and has "
       "no `otherwise` price; claims for that sub-group would be rejected.",
       "pays GBP 500 for vulnerable   # very_vulnerable has no price"),
    _c("SIB410", "payments", "error", "exclusive group that excludes nothing",
       "An `only k of` group needs more members than k, and each member once.",
       "only 2 of a, b"),
    _c("SIB411", "payments", "warning", "participant cap below an outcome price",
       "The per-participant cap is less than the price of a single outcome, so that outcome "
       "can never be paid in full.",
       "outcome a \"A\" pays GBP 20,000\ncap per participant GBP 15,000"),
    _c("SIB412", "payments", "warning", "outcome can never be earned",
       "Something in the contract makes an outcome impossible to pay: it requires an outcome "
       "in its own exclusive group, a prerequisite that can never be earned, a window shorter "
       "than its minimum delay, or a cap of zero.",
       "only one of a, b\noutcome b \"B\" pays GBP 1 after a"),
    _c("SIB413", "payments", "warning", "repeatable outcome without a limit",
       "An outcome declared `unlimited` has no volume or money cap of any kind, so its cost has "
       "no bound but the contract cap.",
       "outcome a \"A\" pays GBP 100 unlimited"),
    _c("SIB417", "payments", "warning", "one event can be paid twice",
       "Two outcomes are triggered by the same event and nothing stops both being paid for one "
       "participant: their windows overlap, they are not in an `only one of` group, neither comes "
       "`after` the other, and neither is paid `in addition to` the other. Say which is meant.",
       'outcome pt_13w "13 weeks part-time" pays GBP 3,000 triggered by "13 weeks in work"\n'
       'outcome ft_13w "13 weeks full-time" pays GBP 4,500 triggered by "13 weeks in work"'),
    _c("SIB418", "payments", "warning", "a step pays again for what it includes",
       "An outcome declared to `include` an earlier one (its price already pays for it) can be paid "
       "together with it for one participant, so the earlier outcome is paid twice.",
       'outcome job_13w "13 weeks" pays GBP 3,000\noutcome job_26w "26 weeks (incl. the first 13)" '
       'pays GBP 5,000 after job_13w includes job_13w'),
    _c("SIB419", "payments", "warning", "one person in two cohorts",
       "Two cohorts take referrals at the same time and are paid for the same outcomes: a person "
       "referred to both would count as two participants and could be paid twice. Say `separate "
       "from` if eligibility keeps them apart.",
       'cohort a "A" referred 2020-01-01 to 2020-12-31\ncohort b "B" referred 2020-06-01 to 2021-06-30'),
    _c("SIB414", "payments", "error", "cap declared twice",
       "Two caps with the same scope; say the limit once.",
       "cap contract GBP 2m\ncap contract GBP 3m"),
    _c("SIB415", "payments", "error", "tariff missing",
       "Every outcome needs a `pays` clause.",
       "outcome a \"A\" within 12 months of start"),
    _c("SIB416", "payments", "error", "cap of the wrong kind",
       "The limit does not fit the scope: a sub-group share must be a percentage of paid "
       "outcomes, an outcome cap a number of outcomes or money.",
       "cap contract 70% of paid outcomes"),
    # ---- investment
    _c("SIB501", "investment", "error", "unknown figure in a tranche condition",
       "A tranche condition names a figure the contract does not have. Figures: payments, "
       "outcomes, participants (optionally `of` an outcome, cohort or payer).",
       "tranche t GBP 1 when paid claims reach GBP 400,000"),
    _c("SIB502", "investment", "error", "tranches exceed the commitment",
       "The tranches drawn from an investor add up to more than its maximum commitment.",
       "investor i \"I\" commits GBP 1 to GBP 2\ntranche t GBP 3 on 2015-01-01"),
    _c("SIB503", "investment", "error", "commitment range reversed",
       "An investor's minimum commitment is above its maximum.",
       "investor i \"I\" commits GBP 900,000 to GBP 600,000"),
    _c("SIB504", "investment", "error", "tranche without a release rule",
       "A tranche needs `on DATE`, `when CONDITION` or `at discretion`.",
       "tranche t GBP 300,000"),
    _c("SIB505", "investment", "error", "tranche investor ambiguous",
       "With several investors, each tranche says `from INVESTOR`; a contract with tranches "
       "needs an investor.",
       "tranche t GBP 1 on 2015-01-01   # two investors declared"),
    _c("SIB506", "investment", "error", "tranche amount missing or conflicting",
       "A tranche states its amount once: a fixed amount, or `up to` for a discretionary one.",
       "tranche t on 2015-01-01"),
    # ---- assertions
    _c("SIB601", "assertions", "error", "assertion of the wrong kind",
       "An assertion compares a figure with a value of another unit.",
       "assert each participant is paid at most 5 weeks"),
    # ---- settlement input (claims, measurements and requests files)
    _c("SIB701", "ledger", "error", "cannot read ledger file",
       "The claims, measurements or requests file does not exist or cannot be read.",
       "sibc settle contracts/fair-chance-fund.sib missing.csv"),
    _c("SIB702", "ledger", "error", "ledger header missing or wrong",
       "The file is empty, not UTF-8, or its header row lacks a required column. Claims need "
       "claim_id, participant, outcome, date (optional: evidence, cohort, start, subgroup, value).",
       "claim,who,what\nc1,p1,move_in"),
    _c("SIB703", "ledger", "error", "bad value in a ledger row",
       "A field cannot be read: a date not written YYYY-MM-DD or not in the calendar, a number "
       "that is not a number, a row with the wrong number of fields.",
       "c1,p1,move_in,31/03/2015"),
    _c("SIB704", "ledger", "error", "unknown name in a ledger row",
       "A row names an outcome, cohort, sub-group or tranche that the contract does not declare.",
       "c1,p1,move_inn,2015-03-31"),
    _c("SIB705", "ledger", "error", "required field empty",
       "A row leaves a required field (claim_id, participant, outcome, date) empty.",
       "c1,,move_in,2015-03-31"),
    _c("SIB706", "ledger", "error", "not a JSON object",
       "In a JSON Lines file every non-empty line must be one JSON object.",
       '{"claim_id": "c1", "participant": "p1"'),
    _c("SIB707", "ledger", "warning", "row skipped",
       "A row left out of settlement, listed so that none is dropped silently: with --skip-invalid, "
       "each row that could not be read (beside its error); always, a CSV row of empty fields only "
       "(`,,,`, as spreadsheets write below the data), one warning per run of such rows.", ""),
    _c("SIB710", "search", "error", "property broken by a ledger",
       "The property search found a ledger of claims for which a guarantee does not hold (a cap "
       "exceeded, a payment made twice, shares that do not add up, or one of the contract's own "
       "assertions). The smallest such ledger is printed and written as CSV.", ""),
    _c("SIB711", "search", "error", "assertion refuted",
       "One of the contract's own `assert` clauses does not hold: the property search found a "
       "ledger of claims that, settled against the contract, breaks it. The smallest such "
       "ledger is printed with its decisions and written as a CSV file a lawyer can open.",
       "cap per participant GBP 20,000\nassert each participant is paid at most GBP 15,000"),
    _c("SIB720", "analysis", "note", "assertion proven",
       "The exact analysis shows that this assertion holds for every ledger of claims (for example: "
       "the most one participant can be paid is below the limit).",
       "cap per participant GBP 15,000\nassert each participant is paid at most GBP 15,000"),
    _c("SIB723", "analysis", "warning", "tranche can never be released",
       "A tranche's condition asks for more than the contract can ever reach: payments above the "
       "maximum liability, more participants than the cohorts hold, outcomes that can never be paid.",
       "cap contract GBP 2m\ntranche t GBP 1 when payments reach GBP 3m"),
    _c("SIB722", "analysis", "note", "assertion left to the search",
       "The exact analysis cannot decide this assertion (a limit per period, a sub-group's share, "
       "the order of tranches), or it stopped at its time limit (`--time-limit`), or the figures "
       "were too large to solve exactly; the property search checked it on generated ledgers "
       "instead (unless --no-search). The search finds counterexamples; it does not prove.",
       "assert tranche t1 is released before t2"),
    # ---- internal
    _c("SIB900", "model", "error", "contract model rejected a value",
       "The compiled contract failed validation by the model. This points to a gap in the "
       "checks; the message says which value and where it came from.", ""),
    _c("SIB999", "internal", "error", "internal error",
       "sibc itself failed. This is a bug in sibc, not in the contract; please report it "
       "with the file that caused it.", ""),
]

CATALOGUE: dict[str, CodeInfo] = {entry.code: entry for entry in _ENTRIES}
