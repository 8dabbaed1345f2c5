"""The INDIGO export (issue 14, item 5): `sibc export CONTRACT --indigo OUT.json`.

Every contract in contracts/ is exported and validated against the INDIGO project schema
(tests/data/indigo/project.json: the structure of INDIGO-Initiative/indigo-data-standard schema/project.json for the fields written, see its README); every key
written must be one the schema defines (the schema itself allows extra keys, so validation alone
would not catch an invented field); and the figures are checked against the compiled model.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_bytes, compile_file
from sibdsl.exchange.indigo import indigo_json, indigo_project
from sibdsl.model.contract import FixedTariff

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((Path(__file__).parent / "data" / "indigo" / "project.json").read_text(encoding="utf-8"))
CONTRACTS = sorted((ROOT / "contracts").glob("*.sib"))


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return {**SCHEMA["definitions"][name], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def undefined_keys(value: Any, node: dict[str, Any], where: str = "") -> list[str]:
    """Keys of `value` that the schema node does not define (a path each)."""
    node = _resolve(node)
    out = []
    if isinstance(value, dict):
        props = node.get("properties", {})
        for key, inner in value.items():
            if key not in props:
                out.append(f"{where}/{key}")
            else:
                out += undefined_keys(inner, props[key], f"{where}/{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            out += undefined_keys(inner, node.get("items", {}), f"{where}[{i}]")
    return out


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda p: p.stem)
def test_every_contract_validates_against_the_indigo_schema(contract: Path) -> None:
    compiled = compile_file(contract)
    assert compiled.model is not None
    model = compiled.model
    document = json.loads(indigo_json(model), parse_float=Decimal)
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    assert undefined_keys(document, SCHEMA) == []
    # the figures, against the model
    assert document["name"]["value"] == model.header.title
    assert document["dates"]["start_date_of_service_provision"]["value"] == model.header.term_start.isoformat()
    assert [m["id"] for m in document["outcome_metrics"]] == [o.name for o in model.outcomes]
    pricings = {p["outcome_metric_id"]["value"]: p for p in document["outcome_pricings"]}
    for o in model.outcomes:
        pricing = pricings[o.name]
        assert pricing["currency"]["value"] == model.header.currency
        if isinstance(o.tariff, FixedTariff):
            assert Decimal(pricing["price_per_unit"]["amount"]["value"]) == o.tariff.price
        else:
            assert "price_per_unit" not in pricing and pricing["price_description"]["value"]
    commitments = document["outcome_payment_commitments"]
    assert [c["organisation_id"]["value"] for c in commitments] == [p.name for p in model.payers]
    for c, p in zip(commitments, model.payers, strict=True):
        if p.cap is None:
            assert "maximum_potential_outcome_payment" not in c
        else:
            assert Decimal(c["maximum_potential_outcome_payment"]["amount"]["value"]) == p.cap
    assert [i["id"] for i in document.get("investments", [])] == [i.name for i in model.investors]
    cap = next((c.limit for c in model.caps if c.scope == "contract" and c.measure == "money"), None)
    finance = document.get("overall_project_finance", {})
    if cap is None:
        assert "maximum_potential_outcome_payment_v2" not in finance
    else:
        assert Decimal(finance["maximum_potential_outcome_payment_v2"]["amount"]["value"]) == cap


def test_fair_chance_fund_fields() -> None:
    model = compile_file(ROOT / "contracts" / "fair-chance-fund.sib").model
    assert model is not None
    project = indigo_project(model)
    total = project["overall_project_finance"]["total_investment_commitment"]
    assert total["amount"]["exact"]["value"] == Decimal("840000")  # Bridges 630,000 + Key Fund 210,000
    assert project["service_and_beneficiaries"]["targeted_number_service_users_or_beneficiaries_total"]["value"] == 353
    assert [p["id"] for p in project["service_provisions"]] == ["fusion"]
    assert [p["organisation_id"]["value"] for p in project["intermediary_services"]] == ["numbers_for_good"]
    assert project["outcome_payment_commitments"][0]["notes"].startswith(
        "Department for Communities and Local Government: pays 66.67%")


def test_money_is_written_as_exact_json_numbers() -> None:
    text = ('contract "X" version 1\ncurrency GBP\nterm 2020-01-01 to 2021-12-31\n'
            'payer p "P" pays 100%, at most GBP 123,456,789,012.37\n'
            'outcome a "A" pays GBP 0.10\ncap contract GBP 123,456,789,012.37\n')
    model = compile_bytes(text.encode(), "x.sib").model
    assert model is not None
    out = indigo_json(model)
    assert '"value": 123456789012.37' in out and '"value": 0.1' in out
    assert json.loads(out, parse_float=Decimal)["outcome_pricings"][0]["price_per_unit"]["amount"]["value"] == \
        Decimal("0.1")


def test_cli_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "indigo.json"
    result = CliRunner().invoke(cli, ["export", str(ROOT / "contracts" / "ways-to-wellness.sib"), "--indigo", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft7Validator(SCHEMA).iter_errors(document))
    result = CliRunner().invoke(cli, ["export", str(ROOT / "contracts" / "ways-to-wellness.sib"), "--indigo", "-"])
    assert result.exit_code == 0 and json.loads(result.output) == document


def test_the_schema_rejects_a_wrong_document() -> None:
    """The validation bites: a price written as text, or a role outside its code list, is refused."""
    model = compile_file(ROOT / "contracts" / "fair-chance-fund.sib").model
    assert model is not None
    document = json.loads(indigo_json(model))
    document["outcome_pricings"][0]["price_per_unit"]["amount"]["value"] = "500"
    document["outcome_payment_commitments"][0]["organisation_role_category"] = {"value": "Government"}
    errors = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(document))
    assert len(errors) == 2
    assert undefined_keys({"name": {"value": "x"}, "price": 5}, SCHEMA) == ["/price"]
