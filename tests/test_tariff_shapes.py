"""Tariffs as a tagged union (issue 9, item 1): one model class per shape, chosen by `kind`;
every `match` on a tariff ends in `assert_never`, so mypy reports a shape a match forgets."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sibdsl.compiler import compile_file
from sibdsl.model.contract import (
    CohortLevelTariff,
    Contract,
    FixedTariff,
    SlidingTariff,
    SubgroupTariff,
    TieredTariff,
    listed_prices,
    price_varies,
)

ROOT = Path(__file__).resolve().parents[1]


def _models() -> list[Contract]:
    out = []
    for path in sorted((ROOT / "contracts").glob("*.sib")):
        model = compile_file(path).model
        assert model is not None
        out.append(model)
    return out


def test_each_shape_has_its_own_class_with_only_its_fields() -> None:
    seen: set[type] = set()
    for model in _models():
        for o in model.outcomes:
            seen.add(type(o.tariff))
            data = o.tariff.model_dump()
            assert set(data) == set(type(o.tariff).model_fields)
    assert seen >= {FixedTariff, SubgroupTariff, TieredTariff, SlidingTariff, CohortLevelTariff}


def test_the_compiled_json_round_trips_through_the_union() -> None:
    for model in _models():
        again = Contract.model_validate_json(model.model_dump_json())
        assert again == model
        assert [type(o.tariff) for o in again.outcomes] == [type(o.tariff) for o in model.outcomes]


def test_shape_helpers() -> None:
    from decimal import Decimal

    from sibdsl.model.contract import Band, SubgroupPrice

    assert listed_prices(FixedTariff(price=Decimal(5))) == [Decimal(5)]
    assert listed_prices(SubgroupTariff(subgroup_prices=(SubgroupPrice(subgroup="a", price=Decimal(2)),),
                                        otherwise=Decimal(1))) == [Decimal(2), Decimal(1)]
    assert listed_prices(TieredTariff(bands=(Band(first=1, last=2, price=Decimal(3)),))) == [Decimal(3)]
    assert not price_varies(FixedTariff(price=Decimal(5)))
    assert price_varies(TieredTariff(bands=(Band(first=1, price=Decimal(3)),)))


def test_mypy_reports_a_match_that_forgets_a_shape(tmp_path: Path) -> None:
    """A `match` over every shape but one is reported by mypy at its `assert_never`; over every
    shape of the union, it is clean."""
    from typing import get_args

    from sibdsl.model.contract import AnyTariff

    api = pytest.importorskip("mypy.api")
    shapes = [cls.__name__ for cls in get_args(AnyTariff)]

    def check(listed: list[str]) -> tuple[str, int]:
        snippet = tmp_path / "shapes.py"
        snippet.write_text(textwrap.dedent(f'''
            from typing import assert_never
            from sibdsl.model.contract import Tariff, {", ".join(listed)}

            def price(t: Tariff) -> int:
                match t:
                    case {" | ".join(f"{name}()" for name in listed)}:
                        return 1
                    case _:
                        assert_never(t)
        '''), encoding="utf-8")
        out, _, status = api.run([str(snippet), "--no-incremental", "--cache-dir", str(tmp_path / "cache")])
        return out, status

    out, status = check([n for n in shapes if n != "CohortLevelTariff"])
    assert status == 1 and "CohortLevelTariff" in out and "assert_never" in out, out
    out, status = check(shapes)
    assert status == 0, out


PER_UNIT = """contract "per unit" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer p "P"
cohort c "C" at most 10 participants
outcome job_start "Job start" pays GBP 200
outcome sustained "Sustained employment"
  pays GBP 50 per week, up to 26 weeks
  after job_start
  up to 2 times per participant
"""


def test_a_price_per_unit_compiles_settles_and_is_analysed() -> None:
    """The shape added after the refactor (issue 9, item 7): GBP 50 per week up to 26 weeks, twice."""
    from datetime import date
    from decimal import Decimal

    from sibdsl.analysis.exposure import WITNESS, exposure
    from sibdsl.compiler import compile_text
    from sibdsl.model.contract import PerUnitTariff
    from sibdsl.settlement.engine import settle
    from sibdsl.settlement.records import Claim, Status

    model = compile_text(PER_UNIT).model
    assert model is not None
    tariff = model.outcomes[1].tariff
    assert isinstance(tariff, PerUnitTariff) and (tariff.price, tariff.unit, tariff.limit) == (50, "weeks", 26)
    assert model.outcomes[1].repeat == "up_to" and model.outcomes[1].repeat_limit == 2
    found = exposure(model)
    (m,) = found.participants
    assert m.exact and m.amount == Decimal(200 + 2 * 50 * 26)
    paid = sum((d.amount for d in settle(model, m.witness).decisions
                if d.status is not Status.REJECTED and d.participant == WITNESS), Decimal(0))
    assert paid == m.amount
    huge = [Claim("a", "p", "job_start", date(2020, 2, 1), cohort="c", start=date(2020, 1, 1)),
            Claim("b", "p", "sustained", date(2020, 3, 1), value=Decimal(10_000)),
            Claim("c", "p", "sustained", date(2020, 4, 1), value=Decimal("0.5"))]
    decisions = settle(model, huge).decisions
    assert [d.amount for d in decisions] == [Decimal(200), Decimal(1300), Decimal(25)]
    assert found.liability == Decimal(10) * m.amount
