"""Phase 6, exchange: a contract as an INDIGO project (Government Outcomes Lab data standard).

Input: a compiled `Contract`. Output: `indigo_project(contract)`, a dict of the fields of the
INDIGO project schema (schema/project.json of INDIGO-Initiative/indigo-data-standard, copied in
tests/data/indigo/) that the contract determines: the name, the dates of service provision,
the maximum outcome payment (the contract cap), the total investment commitment, the target
population and its size, outcome metrics and their pricings, each payer's commitment, each
investor's investment, the providers and intermediaries; and `indigo_json`, its text, with money
as exact JSON numbers (the Decimal's digits, never through a float). Only fields the schema
defines are written; the mapping is in docs/indigo.md.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from sibdsl.model.contract import Contract, FixedTariff, Investor
from sibdsl.render.words import Words

_TOKEN = "\u0000decimal:"


def _v(value: Any) -> dict[str, Any]:
    return {"value": value}


def _amount(value: Decimal | int) -> dict[str, Any]:
    return {"value": Decimal(value)}


def indigo_project(contract: Contract) -> dict[str, Any]:
    """The INDIGO project fields that the contract determines (values as Decimal, str, int)."""
    h = contract.header
    w = Words(contract)
    currency = h.currency
    project: dict[str, Any] = {"name": _v(h.title)}
    project["dates"] = {
        "start_date_of_service_provision": _v(h.term_start.isoformat()),
        "anticipated_end_date_of_service_provision": _v(h.term_end.isoformat()),
        "notes": "The term of the outcomes contract (sibc export --indigo).",
    }
    finance: dict[str, Any] = {}
    contract_cap = next((c.limit for c in contract.caps if c.scope == "contract" and c.measure == "money"), None)
    if contract_cap is not None:
        finance["maximum_potential_outcome_payment_v2"] = {"currency": _v(currency), "amount": _amount(contract_cap)}
    investment = _total_investment(contract.investors)
    if investment is not None:
        finance["total_investment_commitment"] = {"currency": _v(currency), "amount": investment}
    if finance:
        project["overall_project_finance"] = finance
    if contract.cohorts:
        service: dict[str, Any] = {
            "target_population": _v("; ".join(c.title + (f": {w.flat(c.eligibility)}" if c.eligibility else "")
                                              for c in contract.cohorts)),
            "unit_type_targeted_service_users_or_beneficiaries": _v("Individual"),
        }
        if all(c.size is not None for c in contract.cohorts):
            service["targeted_number_service_users_or_beneficiaries_total"] = _v(
                sum(c.size or 0 for c in contract.cohorts))
        project["service_and_beneficiaries"] = service
    cohorts = {c.name: c for c in contract.cohorts}
    metrics, pricings = [], []
    for o in contract.outcomes:
        metric: dict[str, Any] = {"id": o.name, "definition": _v(o.title)}
        if o.cohorts:
            metric["target_population"] = _v("; ".join(cohorts[n].title for n in o.cohorts if n in cohorts))
        if o.evidence:
            metric["outcome_validation_method"] = _v(w.flat(o.evidence))
        conditions = " ".join(w.conditions(o))
        metric["notes"] = " ".join(part for part in (conditions, w.repeat(o) + ".") if part)
        metrics.append(metric)
        pricing: dict[str, Any] = {"outcome_metric_id": _v(o.name), "currency": _v(currency),
                                   "price_description": _v(w.price(o))}
        if isinstance(o.tariff, FixedTariff):
            pricing["price_per_unit"] = {"amount": _amount(o.tariff.price)}
        if o.indexation is not None:
            pricing["contracted_increases_to_outcome_pricing"] = _v(
                f"indexed at {o.indexation.rate}% a year from {o.indexation.start.isoformat()}")
        pricings.append(pricing)
    project["outcome_metrics"] = metrics
    project["outcome_pricings"] = pricings
    commitments = []
    for p in contract.payers:
        commitment: dict[str, Any] = {
            "organisation_id": _v(p.name),
            "period": {"start_date": _v(h.term_start.isoformat()), "end_date": _v(h.term_end.isoformat())},
            "notes": f"{p.title}: pays {w.share(p)}.",
        }
        if p.cap is not None:
            commitment["maximum_potential_outcome_payment"] = {"currency": _v(currency), "amount": _amount(p.cap)}
        commitments.append(commitment)
    project["outcome_payment_commitments"] = commitments
    investments = []
    for i in contract.investors:
        entry: dict[str, Any] = {"id": i.name, "organisation_id": _v(i.name), "notes": i.title}
        amount = _commitment(i)
        if amount is not None:
            entry["investment_commitment"] = {"currency": _v(currency), "amount": amount}
        if i.return_cap is not None:
            entry["maximum_potential_return"] = _amount(i.return_cap)
            entry["maximum_potential_return_type"] = _v("Average annual return")
        investments.append(entry)
    if investments:
        project["investments"] = investments
    provisions = [{"id": p.name, "organisation_id": _v(p.name), "notes": p.title,
                   "planned_service": {"start_date": _v(h.term_start.isoformat()),
                                       "end_date": _v(h.term_end.isoformat())}}
                  for p in contract.parties if p.role == "provider"]
    if provisions:
        project["service_provisions"] = provisions
    intermediaries = [{"organisation_id": _v(p.name), "notes": p.title}
                      for p in contract.parties if p.role == "intermediary"]
    if intermediaries:
        project["intermediary_services"] = intermediaries
    return project


def _commitment(i: Investor) -> dict[str, Any] | None:
    low, high = i.commitment_min, i.commitment_max
    if low is None and high is None:
        return None
    if low is not None and low == high:
        return {"exact": _amount(low)}
    out: dict[str, Any] = {}
    if low is not None:
        out["min"] = _amount(low)
    if high is not None:
        out["max"] = _amount(high)
    return out


def _total_investment(investors: tuple[Investor, ...]) -> dict[str, Any] | None:
    if not investors:
        return None
    if all(i.commitment_min is not None and i.commitment_min == i.commitment_max for i in investors):
        return {"exact": _amount(sum((i.commitment_min or Decimal(0) for i in investors), Decimal(0)))}
    if all(i.commitment_min is not None for i in investors):
        out: dict[str, Any] = {"min": _amount(sum((i.commitment_min or Decimal(0) for i in investors), Decimal(0)))}
        if all(i.commitment_max is not None for i in investors):
            out["max"] = _amount(sum((i.commitment_max or Decimal(0) for i in investors), Decimal(0)))
        return out
    return None


def indigo_json(contract: Contract) -> str:
    """The INDIGO project as JSON text; every Decimal is written as its exact digits."""

    def exact(value: Any) -> Any:
        if isinstance(value, Decimal):
            text = format(value, "f")
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return _TOKEN + text
        raise TypeError(f"cannot write {type(value).__name__} as JSON")

    text = json.dumps(indigo_project(contract), indent=2, ensure_ascii=False, default=exact)
    return re.sub(r'"\\u0000decimal:(-?[0-9.]+)"', r"\1", text) + "\n"
