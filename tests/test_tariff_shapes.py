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
    assert seen == {FixedTariff, SubgroupTariff, TieredTariff, SlidingTariff, CohortLevelTariff}


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
    api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "forgets.py"
    snippet.write_text(textwrap.dedent('''
        from typing import assert_never
        from sibdsl.model.contract import Tariff, FixedTariff, SubgroupTariff, TieredTariff, SlidingTariff

        def price(t: Tariff) -> int:
            match t:
                case FixedTariff() | SubgroupTariff() | TieredTariff() | SlidingTariff():
                    return 1
                case _:
                    assert_never(t)
    '''), encoding="utf-8")
    out, _, status = api.run([str(snippet), "--no-incremental", "--cache-dir", str(tmp_path / "cache")])
    assert status == 1 and "CohortLevelTariff" in out and "assert_never" in out, out
    snippet.write_text(snippet.read_text().replace("SlidingTariff():", "SlidingTariff() | CohortLevelTariff():")
                       .replace("SlidingTariff\n", "SlidingTariff, CohortLevelTariff\n"), encoding="utf-8")
    out, _, status = api.run([str(snippet), "--no-incremental", "--cache-dir", str(tmp_path / "cache")])
    assert status == 0, out
