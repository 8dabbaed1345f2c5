"""The catalogue of diagnostic codes and of settlement reasons (shared by all phases).

Input: none. Output: `CATALOGUE`, code -> `CodeInfo` (phase, default severity, title,
explanation, an example that triggers it), sorted by code; `Code`, the `Literal` type of every
code; `BANDS`, what each band of codes covers; `REASONS`, settlement reason -> `ReasonInfo`
(the reason codes of decisions.csv, with the rule-book sections they come from) and
`ReasonCode`, their `Literal` type. They feed `sibc explain` (`sibdsl.emit.explain`),
docs/diagnostics.md (`sibdsl.emit.catalogue`), SARIF rules and the test that every code has a
golden case.

Codes are numbered in bands by the phase that finds them; a code is never renumbered (CI
configurations and suppressions name codes), so a new code takes a free number in its band:

- SIB0xx input and syntax: SIB000-SIB009 reading the file (missing, not UTF-8, too large,
  control characters); SIB010-SIB019 the parser (unexpected tokens, unterminated text, limits).
- SIB1xx names, SIB100-SIB199: unknown, duplicate or wrong-kind names; missing or repeated
  header items.
- SIB2xx units and values, SIB200-SIB299: units, currencies, whole numbers, ranges, arithmetic.
- SIB3xx dates, SIB300-SIB399: impossible dates, reversed ranges, dates outside the term.
- SIB4xx payment structure, SIB400-SIB499: payer shares and caps, prerequisites, tariffs, caps,
  exclusive groups, outcomes paid twice or never.
- SIB5xx investment, SIB500-SIB599: investors and tranches.
- SIB6xx assertions, SIB600-SIB699: `assert` clauses that cannot be read as written.
- SIB7xx settlement inputs and verdicts, three sub-bands from three phases:
  SIB700-SIB709 ledger (reading the claims, measurements and requests files of
  `sibc settle`); SIB710-SIB719 search (the property search of `sibc check`: ledgers that break
  a guarantee or refute an assertion); SIB720-SIB729 analysis (the exact analysis of
  `sibc check`: assertions proven or left to the search, tranches never released);
  SIB740-SIB749 exchange (`sibc import-rates`: a rate card read from an Excel sheet, each
  diagnostic at its sheet and cell); SIB750-SIB759 simulation (the assumptions file of
  `sibc simulate`, each diagnostic at its key).
- SIB8xx is unused.
- SIB9xx internal: SIB900-SIB909 the contract model rejected a value (a gap in the checks);
  SIB990-SIB999 sibc itself failed.

Settlement reasons are not diagnostics: they are the `reason` of a decision (decisions.csv),
`sibdsl.settlement.records.Reason` by value; each cites the section of docs/settlement.md that
decides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from sibdsl.core.diagnostics import Severity

SeverityName = Literal["error", "warning", "note"]

Code = Literal[
    "SIB001", "SIB002", "SIB003", "SIB004",
    "SIB010", "SIB011", "SIB012", "SIB013", "SIB014", "SIB015", "SIB016", "SIB017",
    "SIB101", "SIB102", "SIB103", "SIB104", "SIB105", "SIB106", "SIB107",
    "SIB201", "SIB202", "SIB203", "SIB204", "SIB205", "SIB206", "SIB207", "SIB208",
    "SIB209", "SIB210",
    "SIB301", "SIB302", "SIB303", "SIB304", "SIB305", "SIB306", "SIB307",
    "SIB401", "SIB402", "SIB403", "SIB404", "SIB405", "SIB406", "SIB407", "SIB408", "SIB409", "SIB410",
    "SIB411", "SIB412", "SIB413", "SIB414", "SIB415", "SIB416", "SIB417", "SIB418", "SIB419",
    "SIB420", "SIB421", "SIB422", "SIB423", "SIB424",
    "SIB425", "SIB426", "SIB427", "SIB428",
    "SIB429", "SIB430", "SIB431", "SIB432",
    "SIB433", "SIB434", "SIB435", "SIB436", "SIB437", "SIB438",
    "SIB439", "SIB440", "SIB441", "SIB442",
    "SIB501", "SIB502", "SIB503", "SIB504", "SIB505", "SIB506",
    "SIB507", "SIB508", "SIB509", "SIB510", "SIB511", "SIB512", "SIB513", "SIB514", "SIB515",
    "SIB516", "SIB517", "SIB518", "SIB519",
    "SIB601",
    "SIB701", "SIB702", "SIB703", "SIB704", "SIB705", "SIB706", "SIB707",
    "SIB710", "SIB711",
    "SIB720", "SIB722", "SIB723",
    "SIB740", "SIB741", "SIB742", "SIB743", "SIB744", "SIB745", "SIB746",
    "SIB750", "SIB751", "SIB752",
    "SIB900",
    "SIB999",
]
"""Every diagnostic code, for type hints (`DiagnosticSink.add(code: Code, ...)`)."""

CODES: tuple[Code, ...] = get_args(Code)

Phase = Literal["input", "syntax", "names", "units", "dates", "payments", "investment", "assertions",
                "ledger", "search", "analysis", "exchange", "simulation", "model", "internal"]


@dataclass(frozen=True, slots=True)
class SubBand:
    """A range of code numbers that one phase reports."""

    first: int
    last: int
    phase: Phase
    title: str
    covers: str

    @property
    def span(self) -> str:
        return f"SIB{self.first:03d}-SIB{self.last:03d}"


@dataclass(frozen=True, slots=True)
class Band:
    """A hundred of codes (`7xx`), with the sub-bands of the phases that share it."""

    digit: int
    title: str
    covers: str
    parts: tuple[SubBand, ...]

    @property
    def name(self) -> str:
        return f"SIB{self.digit}xx"


BANDS: tuple[Band, ...] = (
    Band(0, "Input and syntax", "Reading the .sib file and parsing it.", (
        SubBand(0, 9, "input", "Input",
                "The file cannot be read, is not UTF-8, is too large or holds control characters."),
        SubBand(10, 19, "syntax", "Syntax",
                "The parser: unexpected words, characters or end of file, unterminated text, numbers "
                "and nesting beyond the limits."))),
    Band(1, "Names", "Declared names and the contract header.", (
        SubBand(100, 199, "names", "Names",
                "Unknown, duplicate or wrong-kind names; header items missing or repeated; a missing "
                "payer or outcome; a clause said twice."),)),
    Band(2, "Units and values", "What every value means.", (
        SubBand(200, 299, "units", "Units and values",
                "Units that do not fit, currencies, whole numbers, values out of range, arithmetic."),)),
    Band(3, "Dates", "Dates and date ranges.", (
        SubBand(300, 399, "dates", "Dates",
                "Impossible dates, ranges that end before they start, dates outside the term."),)),
    Band(4, "Payment structure", "How outcomes are priced, capped and shared.", (
        SubBand(400, 499, "payments", "Payment structure",
                "Payer shares and caps, prerequisite cycles, tariff bands and scale points, caps, "
                "exclusive groups, outcomes that can be paid twice or never."),)),
    Band(5, "Investment", "Investors and tranches.", (
        SubBand(500, 599, "investment", "Investment",
                "Tranche conditions, amounts, release rules and investors; commitments."),)),
    Band(6, "Assertions", "The contract's own `assert` clauses, as written.", (
        SubBand(600, 699, "assertions", "Assertions",
                "An assertion that compares a figure with a value of another unit."),)),
    Band(7, "Settlement inputs and verdicts",
         "Four phases share this band (the codes keep their numbers: CI configurations name them): "
         "reading the ledgers of `sibc settle` (70x), the property search (71x) and the exact "
         "analysis (72x) of `sibc check`, reading a rate card from a spreadsheet (74x) and the "
         "assumptions of `sibc simulate` (75x).", (
             SubBand(700, 709, "ledger", "Ledger files",
                     "Reading the claims, measurements and requests files of `sibc settle`: files that "
                     "cannot be read, headers, bad or unknown values, rows skipped."),
             SubBand(710, 719, "search", "Property search",
                     "The search of `sibc check` settled a generated ledger that breaks a guarantee or "
                     "refutes an assertion; the smallest such ledger is printed and written as CSV."),
             SubBand(720, 729, "analysis", "Exact analysis",
                     "The analysis of `sibc check`: an assertion proven, an assertion left to the search, "
                     "a tranche that can never be released."),
             SubBand(740, 749, "exchange", "Spreadsheets",
                     "`sibc import-rates`: a rate card read from an Excel sheet, each problem at its sheet "
                     "and cell: a file that is not a workbook, no header, bad cells, formulas without "
                     "values, merged cells, sheets too long."),
             SubBand(750, 759, "simulation", "Simulation assumptions",
                     "`sibc simulate`: the assumptions file (TOML), each problem at its key: a file that "
                     "cannot be read or is not TOML, a name the contract does not have, a value that "
                     "cannot be used."))),
    Band(9, "Internal", "Failures of sibc, not of the contract.", (
        SubBand(900, 909, "model", "Model",
                "The compiled contract failed the model's validation: a gap in the checks."),
        SubBand(990, 999, "internal", "Internal", "sibc itself failed: a bug to report."))),
)


def sub_band_of(code: str) -> SubBand | None:
    """The sub-band a code's number falls in, or None."""
    number = int(code[3:]) if code[:3] == "SIB" and code[3:].isdigit() else -1
    return next((part for band in BANDS for part in band.parts if part.first <= number <= part.last), None)


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: Code
    phase: Phase
    severity_name: SeverityName
    title: str
    explanation: str
    example: str

    @property
    def severity(self) -> Severity:
        from sibdsl.core.diagnostics import Severity

        return Severity(self.severity_name)


def _c(code: Code, phase: Phase, sev: SeverityName, title: str, explanation: str, example: str) -> CodeInfo:
    return CodeInfo(code, phase, sev, title, explanation, example)


_ENTRIES: tuple[CodeInfo, ...] = (
    # ---- SIB0xx input (00x) and syntax (01x)
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
    # ---- SIB1xx names
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
    _c("SIB107", "names", "error", "version history contradicts itself",
       "A contract that records its history (`supersedes version`, `amendment`) states its own "
       "version; a version does not supersede itself, and each amendment makes a different version.",
       "contract \"X\" version 1.1\nsupersedes version 1.1"),
    # ---- SIB2xx units and values
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
    _c("SIB209", "units", "error", "a top-up on a price that is not one fixed amount",
       "`plus GBP 200 from council` adds a second payer's fixed amount on top of an outcome's fixed "
       "price; a tiered, sliding, per-unit, per-sub-group, cohort-level or indexed price has no one "
       "amount to go on top of. Give the second payer a share of the outcome instead.",
       'payer a "A" pays 100%\npayer b "B" pays 0% of x payments\n'
       'outcome x "X" pays GBP 50 per week up to 26 weeks plus GBP 10 from b'),
    _c("SIB210", "units", "error", "one payer's top-up given twice",
       "An outcome names the same payer in two `plus ... from` clauses.",
       'payer a "A" pays 100%\npayer b "B" pays 0% of x payments\n'
       'outcome x "X" pays GBP 500 plus GBP 10 from b plus GBP 20 from b'),
    # ---- SIB3xx dates
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
    _c("SIB305", "dates", "error", "claims deadline before the last day an outcome can be achieved",
       "`claims until DATE` is the last day a claim may be submitted. A deadline before the term end "
       "(or, with a `run-off`, before the run-off ends) would refuse an outcome achieved on the last "
       "day it may be achieved, before it could be claimed.",
       "term 2020-01-01 to 2022-12-31\nclaims until 2022-06-30"),
    _c("SIB306", "dates", "error", "run-off that is not a duration",
       "`run-off` says how long after the term end the later steps of a ladder (and cohort-level "
       "results) may still be achieved and paid: a whole number of days, weeks, months or years, more "
       "than zero (`run-off 12 months`).",
       "run-off GBP 12"),
    _c("SIB307", "dates", "error", "amendments out of date order",
       "The amendment records are the contract's history, oldest first: each is dated on or after "
       "the one before it.",
       "amendment 1.2 on 2018-01-01 \"B\"\namendment 1.1 on 2019-01-01 \"A\""),
    # ---- SIB4xx payment structure
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
    _c("SIB414", "payments", "error", "cap declared twice",
       "Two caps with the same scope; say the limit once.",
       "cap contract GBP 2m\ncap contract GBP 3m"),
    _c("SIB415", "payments", "error", "tariff missing",
       "Every outcome needs a `pays` clause.",
       "outcome a \"A\" within 12 months of start"),
    _c("SIB416", "payments", "error", "cap of the wrong kind",
       "The limit does not fit the scope: a share (`70% of paid outcomes`, `40% of achievements of "
       "job_access`) caps only a sub-group or an outcome; an outcome cap is otherwise a number of outcomes or "
       "money.",
       "cap contract 70% of paid outcomes"),
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
    _c("SIB420", "payments", "error", "price per unit without a limit",
       "A price per day, week, month or year is paid on the number of units a claim measures (its "
       "`value`), and needs a limit on that number in the same unit, written `up to 26 weeks`: "
       "without one, a single claim could be paid any amount.",
       'outcome sustained "Sustained employment" pays GBP 50 per week'),
    _c("SIB421", "payments", "error", "reset that cannot restart a clock",
       "A `reset` restarts the clocks of timed ladder steps: after a reset row in the claims ledger, the "
       "delays (`at least`, `by`) of the steps it names count from the reset's date. A step named twice, a "
       "cohort-level outcome, or a step with no delay after any prerequisite has no clock to restart.",
       'outcome move_in "Move in" pays GBP 500\nreset lost "Tenancy lost" restarts move_in'),
    _c("SIB422", "payments", "error", "`and` and `or` in one prerequisite clause",
       "One `after` clause lists prerequisites that must all be paid (`and`) or alternatives of which one is "
       "enough (`or`), never both: `after a and b or c` could be read two ways. Write one clause per rule "
       "(every `after` clause must hold). An option named twice in one clause, and `or held at referral` or "
       "`if paid` after prerequisites joined by `and`, are refused the same way.",
       'outcome c "C" pays GBP 100 after a and b or d'),
    _c("SIB423", "payments", "warning", "optional prerequisite that changes nothing",
       "`after level_1 if paid` makes the outcome payable on its own, or after `level_1` where that was paid: "
       "without a delay (`at least`, `by`) the clause can never refuse a claim, so it says nothing a reader "
       "should rely on. Give the delay that applies once the prerequisite is paid, or remove the clause.",
       'outcome level_2 "First Level 2" pays GBP 3,300 after level_1 if paid'),
    _c("SIB424", "payments", "error", "held at referral on a cohort-level outcome",
       "`not if held at referral` refuses an outcome for a participant who already had it at referral (the "
       "`held_at_referral` column of the claims ledger). A cohort-level outcome is paid from a cohort's "
       "measurements, which have no participant, so the clause cannot apply.",
       'outcome fewer "Fewer reconvictions" pays GBP 100 per 1% reduction in "reconvictions" against baseline '
       'not if held at referral'),
    _c("SIB425", "payments", "error", "tiered tariff that pays nothing",
       "Every band of a tiered tariff pays zero, so no claim of the outcome is ever paid. A band of zero is "
       "a threshold (`USD 0 for outcomes 1 to 92`): at least one band above it needs a price.",
       "pays tiered USD 0 for outcomes 1 to 92, USD 0 from 93 onwards"),
    _c("SIB426", "payments", "error", "cap on a band that pays nothing",
       "A band that pays zero has `at most` after it. It pays nothing anyway, so the cap is probably meant "
       "for the band after it: write `at most` after the band it limits.",
       "pays tiered USD 0 for outcomes 1 to 92 at most USD 25,000, USD 500 from 93 onwards"),
    _c("SIB427", "payments", "warning", "band cap below the band's price",
       "A band's cap (`at most` after a band) is the most that band's claims are paid together. Below the "
       "band's price, the band's first claim is paid in part and every later claim in it nothing.",
       "pays tiered USD 0 for outcomes 1 to 92, USD 500 from 93 onwards at most USD 250"),
    _c("SIB428", "payments", "warning", "tiered tariff counted within a sub-group it cannot pay",
       "A tiered tariff `counted within` a sub-group prices only that sub-group's claims, but the outcome is "
       "`for cohort` a cohort that does not have that sub-group, so no claim can be priced.",
       'outcome bonus "B" pays tiered USD 0 for 1 to 92, USD 500 from 93 counted within subgroup women '
       "for cohort men_only"),
    _c("SIB429", "payments", "error", "a share cap's base never holds what it caps",
       "A share cap limits what it caps (a sub-group's claims, or an outcome's) to a share of a base: "
       "paid outcomes or achievements, of every outcome or of the outcomes listed. An outcome's share of "
       "outcomes that do not include it is always 0 of them, and a share cap refuses claims, so it cannot "
       "cap a cohort-level outcome, which is paid from measurements. List the capped outcome in its base.",
       "cap outcome job_access 40% of achievements of education, measured each period"),
    _c("SIB430", "payments", "error", "a share cap that does not say when it is measured",
       "A share of achievements, of some outcomes' paid outcomes, or an outcome's share, is measured over a "
       "set of claims decided together: each settlement period (`measured each period`) or the whole "
       "ledger (`measured over the contract`). Only a sub-group's share of all paid outcomes may be measured "
       "as claims are paid (the running form, without `measured`).",
       "cap outcome job_access 40% of achievements of job_access"),
    _c("SIB431", "payments", "warning", "a share measured each period of a contract settled once",
       "The term is one settlement period, so `measured each period` measures the share once, over the "
       "whole ledger: say `measured over the contract`, or settle more often.",
       "term 2020-01-01 to 2020-12-31\nsettled yearly\n"
       "cap subgroup vulnerable 70% of paid outcomes, measured each period"),
    _c("SIB432", "payments", "warning", "a share cap that refuses nothing or everything",
       "A share of 100% never refuses a claim, and a share of 0% refuses every claim of what it caps, so "
       "that is never paid: remove the cap, or give the share the contract states.",
       "cap subgroup vulnerable 0% of paid outcomes, measured each period"),
    _c("SIB433", "payments", "error", "share in proportion to a maximum that is not stated",
       "A payer that pays `in proportion to its maximum` takes, of what the stated shares leave, its "
       "maximum (its `at most`) over the maxima of all such payers; without an `at most` it has no "
       "maximum to take a share by (docs/language.md 3.2).",
       'payer lcf "Life Chances Fund" pays in proportion to its maximum\n'
       'payer council "Council" pays in proportion to its maximum, at most GBP 2m'),
    _c("SIB434", "payments", "error", "nothing left for the shares in proportion to the maxima",
       "The payers with a stated share already take 100% (or more) of each payment, so the payers "
       "that pay in proportion to their maxima would have nothing.",
       'payer council "Council" pays 100%\n'
       'payer lcf "Life Chances Fund" pays in proportion to its maximum, at most GBP 1.2m'),
    _c("SIB435", "payments", "error", "shares of an outcome or phase do not add up to 100%",
       "With shares per outcome (`pays 30% of wellbeing payments`) or per phase (`pays 30% until "
       "2020-03-31, then 70%`), every outcome's payments in every phase are split between the "
       "payers by the shares that apply to them, which must add up to exactly 100%. A payer without "
       "a share of an outcome pays none of it.",
       'payer ccg "CCG" pays 100%\npayer cbo "CBO" pays 30% of wellbeing payments'),
    _c("SIB436", "payments", "error", "an outcome given two shares by one payer",
       "One payer's `pays ... of OUTCOME payments` clauses name the same outcome twice, so its "
       "share of that outcome is not clear.",
       'payer cbo "CBO" pays 30% of wellbeing payments pays 20% of wellbeing, jobs payments'),
    _c("SIB437", "payments", "error", "in proportion to the maxima beside shares per outcome or phase",
       "A share in proportion to the payers' maxima is what the stated shares leave of every payment; "
       "beside shares that differ by outcome or phase it would differ too, so it must be stated.",
       'payer lcf "LCF" pays in proportion to its maximum, at most GBP 1m\n'
       'payer council "Council" pays 30% until 2020-03-31, then 70%'),
    _c("SIB438", "payments", "error", "phases of a share out of date order",
       "The phases of a payer's share (`pays 30% until DATE, then ...`) must end in date order: each "
       "`until` date after the one before.",
       'payer council "Council" pays 30% until 2021-03-31, then 50% until 2020-03-31, then 70%'),
    # ---- SIB5xx investment
    _c("SIB439", "payments", "error", "pooled or net result on an outcome paid per participant",
       "`pooled over` (a result computed from several cohorts' results) and `net of` (a payment less "
       "what other results already paid) apply to cohort-level outcomes only, those paid per unit of "
       "improvement against a baseline or comparison group.",
       'outcome a "A" pays GBP 100 pooled over c1, c2'),
    _c("SIB440", "payments", "error", "pool of fewer than two cohorts, or other cohorts than `for cohort`",
       "`pooled over` names the cohorts whose results are added up into one result: two cohorts or "
       "more, each once. A pooled result is for the cohorts it pools, so a `for cohort` beside it must "
       "not name others.",
       'outcome all "All" pays GBP 1,000 per 1% reduction in "events" against baseline pooled over c1'),
    _c("SIB441", "payments", "error", "`net of` an outcome paid per participant",
       "`net of` deducts what earlier cohort-level results paid for the same cohorts; a claim-level "
       "outcome is paid per participant, not per cohort result, so it cannot be deducted.",
       'outcome all "All" pays GBP 1,000 per 1% reduction in "events" against baseline net of job'),
    _c("SIB442", "payments", "warning", "`net of` an outcome that never pays for these cohorts",
       "An outcome named in `net of` can be paid only for other cohorts than this result covers, so "
       "nothing is ever deducted for it: the name is likely wrong.",
       'outcome one "One" pays GBP 1 per 1% reduction in "e" against baseline for cohort c1\n'
       'outcome two "Two" pays GBP 1 per 1% reduction in "e" against baseline for cohort c2 net of one'),
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
    # ---- investment terms and the waterfall (issue 11; docs/language.md 3.3, 3.9)
    _c("SIB507", "investment", "error", "investor without a rank",
       "Once the contract invests (a `waterfall`, or an investor that states terms), the waterfall "
       "pays interest and principal by rank: every investor states `ranks N` (1 is the most senior; "
       "equal ranks are paid pro rata).",
       'investor senior "Senior" commits GBP 1m ranks 1, interest 5% a year\n'
       'investor junior "Junior" commits GBP 1m'),
    _c("SIB508", "investment", "error", "interest above the return cap",
       "An investor's fixed interest is a floor on what it earns and `returns at most` the ceiling; "
       "a floor above the ceiling cannot both hold.",
       'investor i "I" commits GBP 1m ranks 1, interest 12% a year, returns at most 9% a year'),
    _c("SIB509", "investment", "error", "guarantee above the principal",
       "A principal protection or first-loss guarantee covers at most the principal drawn: 100% of "
       "it, or no more money than the investor's maximum commitment.",
       'investor i "I" commits GBP 1m ranks 1, principal protected 120% by council'),
    _c("SIB510", "investment", "error", "investor guarantees itself",
       "A guarantee of an investor's principal or interest is given by someone else (a payer, a "
       "provider, a foundation investing beside it); an investor guaranteeing itself protects "
       "nothing.",
       'investor fund "Fund" commits GBP 1m ranks 1, first loss GBP 500,000 by fund'),
    _c("SIB511", "investment", "error", "surplus shares do not add up to 100%",
       "The `surplus` rule shares out what is left after every class is paid; its percentages add up "
       "to exactly 100%.",
       "waterfall surplus 50% to provider, 40% to payers"),
    _c("SIB512", "investment", "error", "recycling without needs",
       "`recycles outcome payments` spends outcome payments on the service's needs before "
       "distributing them; without a `needs` clause there is nothing to spend them on.",
       "waterfall recycles outcome payments up to GBP 1m"),
    _c("SIB513", "investment", "error", "no place for the surplus",
       "Every investor's return is capped (`returns at most`), so outcome payments beyond the caps "
       "are left over; the waterfall needs a `surplus` rule saying where they go.",
       'investor i "I" commits GBP 1m ranks 1, returns at most 9% a year   # no surplus rule'),
    _c("SIB514", "investment", "warning", "surplus never reached",
       "An investor without a return cap takes everything left after interest and principal, so "
       "the `surplus` rule never receives anything.",
       'investor i "I" commits GBP 1m ranks 1\nwaterfall surplus to payers'),
    _c("SIB515", "investment", "error", "second waterfall",
       "A contract has one order of distribution: one `waterfall` declaration holds all its clauses.",
       "waterfall distributes each period\nwaterfall surplus to payers"),
    _c("SIB516", "investment", "error", "investor assertion without investment terms",
       "`assert investor ...` is about what an investor loses or earns in the waterfall, but the "
       "contract states no investment terms (no `waterfall`, no investor with `ranks`, `interest`, "
       "`returns at most` or a guarantee), so nothing says what an investor is paid.",
       'investor i "I" commits GBP 1m\nassert investor i loses nothing'),
    _c("SIB517", "investment", "error", "nothing is ever drawn",
       "An investor states investment terms, but has no commitment and no tranche is drawn from it, "
       "so it never invests anything.",
       'investor i "I" ranks 1, interest 5% a year'),
    _c("SIB518", "investment", "error", "surplus recipient named twice",
       "Each recipient of the surplus is named once, with its whole share.",
       "waterfall surplus 50% to payers, 50% to payers"),
    _c("SIB519", "investment", "error", "surplus share without a percentage",
       "One recipient alone takes the whole surplus (`surplus to payers`); with several, each "
       "states its percentage.",
       "waterfall surplus to provider, 50% to payers"),
    # ---- SIB6xx assertions
    _c("SIB601", "assertions", "error", "assertion of the wrong kind",
       "An assertion compares a figure with a value of another unit.",
       "assert each participant is paid at most 5 weeks"),
    # ---- SIB7xx, sub-band 70x: ledger (the claims, measurements and requests files of `sibc settle`)
    _c("SIB701", "ledger", "error", "cannot read ledger file",
       "The claims, measurements or requests file does not exist or cannot be read.",
       "sibc settle contracts/fair-chance-fund.sib missing.csv"),
    _c("SIB702", "ledger", "error", "ledger header missing or wrong",
       "The file is empty, not UTF-8, or its header row lacks a required column. Claims need "
       "claim_id, participant, outcome, date (optional: evidence, cohort, start, subgroup, value).",
       "claim,who,what\nc1,p1,move_in"),
    _c("SIB703", "ledger", "error", "bad value in a ledger row",
       "A field cannot be read: a date not written YYYY-MM-DD or not in the calendar, a number "
       "that is not a number, a row with the wrong number of fields, or a value of a sliding "
       "scale measured in percent written as a bare fraction (0.7: write 70% or 0.7%).",
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
    # ---- SIB7xx, sub-band 71x: property search (sibc check)
    _c("SIB710", "search", "error", "property broken by a ledger",
       "The property search found a ledger of claims for which a guarantee does not hold (a cap "
       "exceeded, a payment made twice, shares that do not add up, or one of the contract's own "
       "assertions). The smallest such ledger is printed and written as CSV.", ""),
    _c("SIB711", "search", "error", "assertion refuted",
       "One of the contract's own `assert` clauses does not hold: the property search found a "
       "ledger of claims that, settled against the contract, breaks it. The smallest such "
       "ledger is printed with its decisions and written as a CSV file a lawyer can open.",
       "cap per participant GBP 20,000\nassert each participant is paid at most GBP 15,000"),
    # ---- SIB7xx, sub-band 72x: exact analysis (sibc check)
    _c("SIB720", "analysis", "note", "assertion proven",
       "The exact analysis shows that this assertion holds for every ledger of claims (for example: "
       "the most one participant can be paid is below the limit).",
       "cap per participant GBP 15,000\nassert each participant is paid at most GBP 15,000"),
    _c("SIB722", "analysis", "note", "assertion left to the search",
       "The exact analysis cannot decide this assertion (a limit per period, a sub-group's share, "
       "the order of tranches), or it stopped at its time limit (`--time-limit`), or the figures "
       "were too large to solve exactly; the property search checked it on generated ledgers "
       "instead (unless --no-search). The search finds counterexamples; it does not prove.",
       "assert tranche t1 is released before t2"),
    _c("SIB723", "analysis", "warning", "tranche can never be released",
       "A tranche's condition asks for more than the contract can ever reach: payments above the "
       "maximum liability, more participants than the cohorts hold, outcomes that can never be paid.",
       "cap contract GBP 2m\ntranche t GBP 1 when payments reach GBP 3m"),
    # ---- SIB7xx, sub-band 74x: exchange (sibc import-rates: a rate card in an Excel sheet)
    _c("SIB740", "exchange", "error", "cannot read workbook",
       "The rate card file does not exist, is larger than the limit (`--max-size`), is not an "
       "Excel workbook (.xlsx: a .xls, .ods or CSV file renamed .xlsx), or is damaged.",
       "sibc import-rates rates.csv.xlsx   # a CSV file renamed"),
    _c("SIB741", "exchange", "error", "no rate card in the sheet",
       "The sheet named with --sheet does not exist, the sheet is empty, or no row among the first "
       "ten that are not empty is a header with the columns outcome, title and price "
       "(docs/spreadsheets.md lists the names each column may have).",
       "A sheet whose first row reads: Name | Cost"),
    _c("SIB742", "exchange", "error", "bad value in a rate card cell",
       "A cell cannot be read: an outcome name that is not a code name or appears twice, an empty "
       "title, a price that is not an amount (a number, or a money string such as 'GBP 1,500'), "
       "in another currency or with too many decimal places, a duration, repeat or prerequisite "
       "that is not written as the language writes it, or no currency at all.",
       "Rates!C7: abc"),
    _c("SIB743", "exchange", "error", "formula without a computed value",
       "A cell holds a formula whose value the workbook does not store (it was written by a "
       "program, not saved by Excel), so the value cannot be read without computing it.",
       "Rates!C7: =B7*2, in a workbook written by a script"),
    _c("SIB744", "exchange", "error", "merged cells in a rate card",
       "Merged cells hold one value for several rows or columns, so the rows of the rate card are "
       "not each complete. Unmerge them and fill each row.", "Rates!A2:A4 merged"),
    _c("SIB745", "exchange", "error", "sheet too long for a rate card",
       "The sheet has more outcome rows (10,000) or rows in all (200,000) than a rate card can "
       "have; the rest is not read.", "a sheet of 100,000 rows"),
    _c("SIB746", "exchange", "warning", "column ignored",
       "A header cell names no column of the rate card layout, so its column is not read. "
       "The columns read are outcome, title, price, currency, after, within, repeat, evidence, "
       "cohort and trigger.", "Rates!H1: Notes"),
    # ---- SIB7xx, sub-band 75x: simulation (the assumptions file of sibc simulate)
    _c("SIB750", "simulation", "error", "cannot read the assumptions",
       "The assumptions file of `sibc simulate` does not exist, is not UTF-8 text, or is not TOML "
       "(the message gives the line and column where TOML reading stopped).",
       "referrals = [1, 2   # a list never closed"),
    _c("SIB751", "simulation", "error", "unknown name in the assumptions",
       "The assumptions name an outcome, cohort or sub-group the contract does not declare, or a key "
       "the format does not have (docs/simulate.md lists them); the hint gives the closest name.",
       "[outcomes.housd_3m]   # the contract has housed_3m"),
    _c("SIB752", "simulation", "error", "assumption that cannot be used",
       "A value of the assumptions cannot be used: a chance outside 0 to 1, a delay without its unit, "
       "a negative or too large count, shares of the sub-groups that do not add up, a table where a "
       "value is expected.",
       "[outcomes.housed_3m]\nchance = 1.5"),
    # ---- SIB9xx internal: model (90x), sibc itself (99x)
    _c("SIB900", "model", "error", "contract model rejected a value",
       "The compiled contract failed validation by the model. This points to a gap in the "
       "checks; the message says which value and where it came from.", ""),
    _c("SIB999", "internal", "error", "internal error",
       "sibc itself failed. This is a bug in sibc, not in the contract; please report it "
       "with the file that caused it.", ""),
)

CATALOGUE: dict[str, CodeInfo] = {entry.code: entry for entry in _ENTRIES}


# ------------------------------------------------------------------ settlement reasons

ReasonCode = Literal[
    "band_pays_nothing",
    "below_threshold", "before_start", "cap_partial", "cap_reached", "claim_late", "cohort_full",
    "cohort_level_outcome", "duplicate_claim", "exclusive_sibling_paid", "net_nothing_due", "no_price",
    "not_in_cohort", "outside_term", "outside_window", "paid", "participant_conflict", "payer_cap_reached",
    "pooled_input", "pooled_mismatch", "pooled_result_missing", "prerequisite_not_paid", "prerequisite_too_late",
    "prerequisite_too_soon", "referral_outside_window", "repeat_limit", "value_missing",
    "held_at_referral", "reset", "reset_all_paid", "reset_before_entry", "reset_unknown_participant",
]
"""Every settlement reason code (the values of `sibdsl.settlement.records.Reason`)."""

StatusName = Literal["paid", "paid in part", "rejected", "recorded", "ignored"]
Decides = Literal["claims", "claims and measurements", "measurements"]
RULE_BOOK = "docs/settlement.md"


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A section of the rule book (a heading of docs/settlement.md), and a numbered step in it."""

    heading: str
    step: int | None = None

    @property
    def anchor(self) -> str:
        """The heading's anchor, as GitHub and most Markdown renderers make it."""
        kept = "".join(ch for ch in self.heading.lower() if ch.isalnum() or ch in " -_")
        return kept.replace(" ", "-")

    @property
    def words(self) -> str:
        return f'"{self.heading}"' + (f", step {self.step}" if self.step is not None else "")


@dataclass(frozen=True, slots=True)
class ReasonInfo:
    reason: ReasonCode
    status: StatusName
    title: str  # the words of the summary's rejections by reason
    decides: Decides  # claims only, or cohort-level measurements too
    explanation: str
    rule_book: tuple[RuleRef, ...]


_DECIDING = "Deciding one claim"
_CLAIM_IDS = "Claim ids and measurement ids"
_WINDOWS = "Windows `of start` and `of referral`"
_WHICH_CAP = "Which cap decides: the smallest limit, and equal limits"
_PAYER_CAPS = "Payer caps: `at most`, `cap payer` and `then reject`"
_ROOT_CAUSE = "The detail and the root cause"
_COHORT_LEVEL = "Cohort-level outcomes"
_COHORT_RULES = "Repeat rules, exclusive groups and `for cohort` of cohort-level outcomes"
_CHOICES = "Prerequisites with options, held at referral and deadweight"
_RESETS = "Resets: sustainment clocks that restart"
_PAST_TERM = "Payments past the term: claims deadline and run-off"
_POOLED = "Pooled results and payments net of earlier ones"
_TIERS = "Tiered tariffs: thresholds, band caps and counting within a sub-group"


def _r(reason: ReasonCode, status: StatusName, title: str, decides: Decides, explanation: str,
       *rule_book: RuleRef) -> ReasonInfo:
    return ReasonInfo(reason, status, title, decides, explanation, rule_book)


_REASON_ENTRIES: tuple[ReasonInfo, ...] = (
    _r("band_pays_nothing", "paid", "paid nothing: a tier band that pays nothing", "claims",
       "The claim passed every rule and is paid zero: its outcome number falls in a band of a tiered tariff "
       "that pays zero (a threshold: `USD 0 for outcomes 1 to 92`), or in a band whose own cap (`at most` after "
       "the band) is used up. It is not a rejection: the claim counts as a paid outcome everywhere outcomes are "
       "counted (the next claim's outcome number, the repeat rule, prerequisites, exclusive groups, count and "
       "share caps, tranche conditions on outcomes and participants) and adds nothing to any money figure.",
       RuleRef(_DECIDING, 4), RuleRef(_TIERS)),
    _r("before_start", "rejected", "achieved before the participant started", "claims",
       "The date achieved is before the participant's start date (the `start` of its first claim).",
       RuleRef(_DECIDING, 3), RuleRef(_WINDOWS)),
    _r("below_threshold", "rejected", "below the threshold, or a price of zero", "claims and measurements",
       "The payment works out at nothing. For a claim: its price rounds to zero by the contract's rounding "
       "rule, or a sliding scale pays 0% for the measured value. For a cohort-level result: the improvement "
       "is below the outcome's threshold (reaching it exactly is enough), there is no improvement at all, or "
       "the payment rounds to zero. Nothing is paid, and the outcome's repeat rule is not used up.",
       RuleRef(_DECIDING, 4), RuleRef(_COHORT_LEVEL)),
    _r("cap_partial", "paid in part", "paid in part: a cap left less than the price", "claims and measurements",
       "Paid less than its price. A money cap had less headroom left than the price and pays in part (the "
       "default, `then pay in part`), so the claim was paid that headroom; or a payer's part did not fit what "
       "was left of that payer's cap (`at most`, or `cap payer` without `then reject`) and was cut to it, no "
       "other payer making up the difference. Where several caps bind, the smallest headroom decides. The "
       "detail reads \"paid A of P:\" and names every limit that cut it, with where it is written; the rule "
       "and the root cause are the limit that cut last (the payer's cap where one cut a part).",
       RuleRef(_DECIDING, 5), RuleRef(_DECIDING, 6), RuleRef(_WHICH_CAP), RuleRef(_ROOT_CAUSE)),
    _r("cap_reached", "rejected", "a cap was full, or the claim did not fit a cap that says then reject",
       "claims and measurements",
       "A claim-level cap (per participant, outcome, sub-group, cohort, per period, per year or contract) "
       "stopped the claim: a count cap already full, a sub-group share cap that the claim would take over its "
       "share (rounded up to a whole outcome), a money cap with nothing left, or a money cap that says `then "
       "reject` with less headroom left than the price (the binding cap with the smallest headroom decides; "
       "on equal headroom, one that says `then reject`). Caps count what was actually paid. The rule and the "
       "root cause are that cap; a later step of the ladder refused for it says `prerequisite_not_paid`.",
       RuleRef(_DECIDING, 5), RuleRef(_WHICH_CAP)),
    _r("claim_late", "rejected", "submitted after the claims deadline", "claims and measurements",
       "The contract says `claims until DATE` and the claim (or result) was submitted after that date: its "
       "`submitted` date, or, where the ledger gives none, its date achieved (measured). Nothing is paid, "
       "and the claim counts towards nothing: it does not fix the participant's cohort or start date.",
       RuleRef(_PAST_TERM)),
    _r("cohort_full", "rejected", "cohort already full", "claims",
       "The participant's cohort already has as many participants enrolled as its `at most N participants` "
       "allows, so this new participant is not enrolled and its claim is rejected. A participant not "
       "enrolled is checked again on its next claim.",
       RuleRef(_DECIDING, 2)),
    _r("cohort_level_outcome", "rejected", "cohort-level outcome: paid from measurements, not claims", "claims",
       "The outcome is cohort-level (`pays ... per 1% reduction in ... against baseline`): it is paid from the "
       "measurements file (`--measurements`), one decision per measured result, never from a participant's "
       "claim. Give the result as a measurement instead.",
       RuleRef(_DECIDING, 3)),
    _r("duplicate_claim", "rejected", "claim id already decided", "claims and measurements",
       "An earlier claim in the order of settlement (date achieved, then claim id) has the same claim id; for a "
       "measurement, an earlier measurement has the same measurement id (claim ids and measurement ids are "
       "separate sets). It is rejected whatever the first one's decision was, and counts towards nothing.",
       RuleRef(_DECIDING, 1), RuleRef(_CLAIM_IDS)),
    _r("exclusive_sibling_paid", "rejected", "another outcome of its exclusive group already paid",
       "claims and measurements",
       "The outcome is in an `only one of` (or `only k of`) group, and k other outcomes of the group are "
       "already paid for this participant; for a cohort-level result, for a cohort the result covers.",
       RuleRef(_DECIDING, 3), RuleRef(_COHORT_RULES)),
    _r("held_at_referral", "rejected", "held at referral: a status held before referral is not an outcome",
       "claims",
       "The outcome says `not if held at referral` (deadweight) and the participant's `held_at_referral` (given "
       "with its first claim) lists this outcome: the participant already had it before referral, so it is not "
       "an outcome of the service. An improvement (part-time to full-time work) is another outcome and is paid.",
       RuleRef(_DECIDING, 3), RuleRef(_CHOICES)),
    _r("net_nothing_due", "rejected", "nothing due net of earlier payments", "measurements",
       "The outcome is paid `net of` other cohort-level outcomes, and what they have already paid for the "
       "cohorts this result covers is at least what the result is worth: nothing is due. Nothing is paid "
       "back either, and the outcome's repeat rule is not used up.",
       RuleRef(_POOLED)),
    _r("no_price", "rejected", "the tariff gives no price", "claims",
       "The tariff prices no such claim: a tariff priced per sub-group has no price for the participant's "
       "sub-group (or none was given) and no `otherwise` price (SIB409 warns of this), or a tiered tariff has "
       "no band for this outcome number (the n-th paid claim of the outcome across the contract), or a tiered "
       "tariff `counted within` a sub-group and the participant is not in it.",
       RuleRef(_DECIDING, 4), RuleRef(_TIERS)),
    _r("not_in_cohort", "rejected", "outcome not payable for this cohort", "claims and measurements",
       "The outcome is `for cohort X` and the participant is in another cohort, or in no cohort (its claims "
       "name none, in a contract with several cohorts); for a cohort-level result, the result is for a cohort "
       "the outcome is not for. (A program calling the engine directly also gets it for a measurement of an "
       "outcome that is not cohort-level; `sibc settle` reports that row as SIB704.)",
       RuleRef(_DECIDING, 2), RuleRef(_DECIDING, 3), RuleRef(_COHORT_RULES)),
    _r("outside_term", "rejected", "achieved outside the contract term", "claims and measurements",
       "The date achieved (or measured) is outside the contract's `term A to B`, both days included; its "
       "period is `outside term`.",
       RuleRef(_DECIDING, 3), RuleRef(_COHORT_RULES)),
    _r("outside_window", "rejected", "achieved outside the outcome's window", "claims",
       "The outcome's window was not open on the date achieved: after `within D of start` (or `of referral`) "
       "had closed, the anchor date + D counted in calendar months with both days included, or, for a window "
       "`of referral`, before the referral date opened it.",
       RuleRef(_DECIDING, 3), RuleRef(_WINDOWS)),
    _r("paid", "paid", "paid in full", "claims and measurements",
       "The claim (or cohort-level result) passed every check of the rule book and was paid its full price, "
       "split between the payers by their shares; the rule is the outcome.",
       RuleRef(_DECIDING)),
    _r("participant_conflict", "rejected",
       "cohort, start, sub-group or referral differs from the participant's first claim", "claims",
       "The participant's first claim fixed its cohort, start date, sub-group and referral date, whatever that "
       "claim's decision; this claim gives a different value for one of them. A blank cell on a later claim "
       "means \"as before\".",
       RuleRef(_DECIDING, 2)),
    _r("payer_cap_reached", "rejected",
       "a payer's part did not fit a payer cap that says then reject, or nothing was left to pay",
       "claims and measurements",
       "A payer's cap stopped the claim: that payer's part did not fit what was left of its cap and the cap "
       "says `then reject` (`cap payer NAME ... then reject`), which rejects the whole claim, every payer's "
       "part with it; or, after the payers' caps cut their parts, nothing was left to pay. Where a claim-level "
       "cap cut the payment to exactly what is left of a `then reject` payer cap, the two bind equally and "
       "the claim is rejected. The rule and the root cause are the payer's cap; the detail names the payer, "
       "its part and what was left.",
       RuleRef(_DECIDING, 6), RuleRef(_PAYER_CAPS)),
    _r("pooled_input", "rejected", "one cohort's figure for a pooled outcome (an input, not paid alone)",
       "measurements",
       "A row of a pooled outcome (`pooled over`) that gives one cohort: it is recorded as that cohort's "
       "latest result, from which the pooled result is computed, and is never paid by itself. The pooled "
       "result is paid on a row without a cohort.",
       RuleRef(_POOLED)),
    _r("pooled_mismatch", "rejected", "the row's figures differ from those pooled from the cohorts' results",
       "measurements",
       "A pooled result's row gives a baseline and an observed figure that are not the sums of its "
       "cohorts' latest results. Leave both cells empty to use the pooled figures, or correct the row.",
       RuleRef(_POOLED)),
    _r("pooled_result_missing", "rejected", "a cohort of the pooled result has no result yet", "measurements",
       "A pooled result is computed from a result of every cohort it pools, and at least one of them had "
       "no result before this row in the order of settlement. Nothing is paid and the repeat rule is not "
       "used up: a later row, after the missing results, can be paid.",
       RuleRef(_POOLED)),
    _r("prerequisite_not_paid", "rejected", "prerequisite not paid", "claims",
       "The outcome comes `after` another that has not been paid (in full or in part) for this participant "
       "before this claim in the order of settlement. Where a cap stopped the prerequisite (a claim of it "
       "rejected `cap_reached` or `payer_cap_reached`, or itself refused this way further up the ladder), "
       "the detail names that cap and the claim it rejected, and the root cause is that cap.",
       RuleRef(_DECIDING, 3), RuleRef(_ROOT_CAUSE)),
    _r("prerequisite_too_late", "rejected", "too late after the prerequisite", "claims",
       "The outcome comes `after X ... by D`, and it was achieved later than D after the first paid date "
       "of X.",
       RuleRef(_DECIDING, 3)),
    _r("prerequisite_too_soon", "rejected", "too soon after the prerequisite", "claims",
       "The outcome comes `after X at least D`, and it was achieved less than D after the first paid date "
       "of X.",
       RuleRef(_DECIDING, 3)),
    _r("referral_outside_window", "rejected", "participant started outside the referral window", "claims",
       "The participant's start date is outside its cohort's referral window (`referred A to B`; the "
       "contract term where the cohort gives none), so it is not enrolled and the claim is rejected. A "
       "participant with no start date is not checked against the window; one not enrolled is checked "
       "again on its next claim.",
       RuleRef(_DECIDING, 2)),
    _r("repeat_limit", "rejected", "repeat limit reached", "claims and measurements",
       "The outcome has already been paid (in full or in part) its limit of times for this participant: "
       "`once` by default, `up to N times`. For a cohort-level result the limit counts per cohort, and a "
       "result is refused if any cohort it covers has reached it.",
       RuleRef(_DECIDING, 3), RuleRef(_COHORT_RULES)),
    _r("reset", "recorded", "reset recorded: the restarted steps' delays count from its date", "claims",
       "A reset row of the claims ledger (its outcome is a `reset` of the contract) for a participant with a "
       "clock running: for the participant's claims dated after the reset, the delays (`at least`, `by`) of the "
       "steps it restarts count from the reset's date where that is later than the prerequisite's. Nothing is "
       "paid; steps already paid stay paid and are paid again only as their repeat rule allows.",
       RuleRef(_RESETS)),
    _r("reset_all_paid", "ignored", "reset ignored: every step it restarts is already paid its limit", "claims",
       "A reset row for a participant who has already been paid every step the reset restarts as many times as "
       "its repeat rule allows: no clock is left to restart, so the row changes no decision.",
       RuleRef(_RESETS)),
    _r("reset_before_entry", "ignored", "reset ignored: no clock of the steps it restarts had started", "claims",
       "A reset row for a participant for whom no prerequisite of the steps it restarts has been paid (nor held "
       "at referral, where the step allows that): their clocks have not started, and when they do it is on a later "
       "date, so the row changes no decision.",
       RuleRef(_RESETS)),
    _r("reset_unknown_participant", "recorded", "reset recorded for a participant with no earlier row", "claims",
       "A reset row for a participant with no earlier row in the order of settlement: it is kept, and counts for "
       "that participant's claims dated after it (a clock held at referral can already be running). Check the "
       "participant id: a typo makes a reset that restarts nothing.",
       RuleRef(_RESETS)),
    _r("value_missing", "rejected", "a value the tariff or window needs is missing", "claims",
       "A value the decision needs was not given: the measured `value` for a sliding-scale tariff "
       "(`scaled by`), or the date a window counts from (the start date for `within D of start`; the "
       "referral date, else the start date, for `of referral`).",
       RuleRef(_DECIDING, 3), RuleRef(_DECIDING, 4), RuleRef(_WINDOWS)),
)

REASONS: dict[str, ReasonInfo] = {entry.reason: entry for entry in _REASON_ENTRIES}
"""Settlement reason code -> its entry, sorted by code."""

REASON_CODES: tuple[ReasonCode, ...] = get_args(ReasonCode)
