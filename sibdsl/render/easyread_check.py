"""Phase 6, rendering: a measured readability check of an easy-read `Document`.

Input: a `Document` (from `sibdsl.render.easyread.build_easy_read`) and, optionally, the
texts the contract itself supplies (titles, eligibility, evidence, definitions), which the
builder may not shorten. Output: a `Readability` record: the number of sentences, the average
and the longest sentence in words, over all the text, and over the builder's own words (each
piece of the contract's text, and each title in curly quotes, counted as one word). Sentences
are split at a full stop, question or exclamation mark followed by a space, and every
heading, paragraph, list item, table cell and definition is at least one sentence of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from sibdsl.core.record import Record
from sibdsl.model.contract import Contract
from sibdsl.render.document import Bullets, Document, Heading, Paragraph, Table, Terms
from sibdsl.render.easyread_words import clean, pieces


class Readability(Record):
    sentences: int
    average: float  # words per sentence, over all the text
    longest: int
    own_average: float  # words per sentence, the contract's own texts counted as one word each
    own_longest: int
    longest_sentence: str  # the longest of the builder's own sentences (for a failing test's message)


def texts(doc: Document) -> Iterator[str]:
    """Every piece of text a reader sees, in order."""
    yield doc.title
    yield from doc.subtitle
    for b in doc.blocks:
        match b:
            case Heading() | Paragraph():
                yield b.text
            case Bullets():
                yield from b.items
            case Table():
                yield b.caption
                yield from b.header
                for row in b.rows:
                    yield from row
                if b.note:
                    yield b.note
            case Terms():
                for term, meaning in b.items:
                    yield term
                    yield meaning


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if words(s)]


def words(text: str) -> int:
    return sum(1 for w in text.split() if re.search(r"\w", w))


def contract_texts(contract: Contract) -> list[str]:
    """The texts the contract supplies, which the easy-read text quotes as they are."""
    found: list[str] = [contract.header.title]
    found += [p.title for p in contract.payers] + [p.title for p in contract.parties]
    found += [i.title for i in contract.investors] + [r.title for r in contract.resets]
    for co in contract.cohorts:
        found.append(co.title)
        found += [s.title for s in co.subgroups if s.title]
        if co.eligibility:
            found += pieces(co.eligibility)
    for o in contract.outcomes:
        found.append(o.title)
        found += [o.evidence or "", o.trigger or ""]
        if o.tariff.kind in ("sliding", "cohort_level"):
            found.append(o.tariff.measure)
    for d in (*contract.definitions, *(d for o in contract.outcomes for d in o.definitions)):
        found += [d.term, *pieces(d.meaning)]
    for a in contract.header.amendments:
        found.append(a.summary)
    return [clean(t) for t in found if clean(t)]


def _own(text: str, quoted: list[str]) -> str:
    text = re.sub(r"\u201c[^\u201d]*\u201d", "X", text)
    for q in quoted:  # as written, and as the first word of a sentence
        text = text.replace(q, "X").replace(q[0].upper() + q[1:], "X")
    return text


def readability(doc: Document, quoted: Iterable[str] = ()) -> Readability:
    """Sentence lengths of the document; `quoted` are the contract's own texts (see
    `contract_texts`), counted as one word each in the `own_` figures."""
    supplied = sorted({q for q in quoted if q}, key=len, reverse=True)
    all_counts: list[int] = []
    own: list[tuple[int, str]] = []
    for text in texts(doc):
        all_counts += [words(s) for s in sentences(text)]
        own += [(words(s), s) for s in sentences(_own(text, supplied))]
    if not all_counts:
        return Readability(sentences=0, average=0.0, longest=0, own_average=0.0, own_longest=0, longest_sentence="")
    longest_own = max(own)
    return Readability(sentences=len(all_counts), average=round(sum(all_counts) / len(all_counts), 2),
                       longest=max(all_counts), own_average=round(sum(n for n, _ in own) / len(own), 2),
                       own_longest=longest_own[0], longest_sentence=longest_own[1])
