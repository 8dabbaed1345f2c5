"""The published investment structures in contracts/ (issue 11): each term sheet's promise is
proven, each worst case is the published figure and is reached by a settled ledger, and the
waterfall settles them to the published protection at any outcome level."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sibdsl.analysis import investors as inv
from sibdsl.analysis.exposure import exposure
from sibdsl.analysis.verdicts import verdicts
from sibdsl.compiler import compile_file
from sibdsl.model.contract import Contract

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
D = Decimal


def _contract(name: str) -> Contract:
    model = compile_file(str(CONTRACTS / f"{name}.sib")).model
    assert model is not None
    return model


@pytest.mark.parametrize(("name", "investor", "loss", "share"), [
    ("benevolent-society-social-benefit-bond", "p_class", D(0), D(0)),  # principal protected in full
    ("benevolent-society-social-benefit-bond", "e_class", D("2500000.00"), D(100)),  # all at risk
    ("newpin-social-benefit-bond", "bondholders", D("3500000.00"), D(50)),  # at least 50% back
    ("nyc-able-rikers", "goldman", D("2400000.00"), D(25)),  # 9.6m less the 7.2m guarantee
])
def test_each_worst_case_is_the_published_figure_and_is_reached(name: str, investor: str, loss: Decimal,
                                                                 share: Decimal) -> None:
    c = _contract(name)
    analysed = exposure(c)
    figures = inv.bounds(c, analysed)
    inv.confirm(c, analysed, figures)  # exact only where a settled witness reaches the bound
    found = figures[investor]
    assert (found.loss.amount, found.loss.exact) == (loss, True)
    assert found.loss_share == share
    # reached: the empty ledger, run through the waterfall to maturity, loses exactly that much
    _, w = inv.run(c, [], inv.full_requests(c))
    assert w.loss(investor) == loss
    assert w.conserved()


@pytest.mark.parametrize("name", ["benevolent-society-social-benefit-bond", "newpin-social-benefit-bond",
                                  "nyc-able-rikers", "massachusetts-juvenile-justice-pfs"])
def test_every_term_sheet_promise_is_proven(name: str) -> None:
    c = _contract(name)
    found = verdicts(c, exposure(c))
    promises = [v for v in found if v.assertion.kind in ("investor_loss", "investor_return")]
    assert promises, "the contract states its investors' promises"
    assert [(v.assertion.text, v.status) for v in promises] == [(v.assertion.text, "proven") for v in promises]


def test_the_p_class_loses_nothing_at_any_outcome_level() -> None:
    """The issue's example: whatever share of the participants achieve their outcomes, the
    P class of the Benevolent Society bond gets its principal back, and the E class bears it."""
    c = _contract("benevolent-society-social-benefit-bond")
    claims, _ = inv.liability_ledger(c, exposure(c))
    people = inv._people(claims)
    order = {p: i for i, p in enumerate(people)}
    seen_e_loss = set()
    for k in range(0, len(people) + 1, max(1, len(people) // 16)):
        _, w = inv.run(c, [x for x in claims if order[x.participant] < k], inv.full_requests(c))
        assert w.loss("p_class") == 0
        assert w.accounts["p_class"].received >= D("7500000.00")
        assert w.conserved()
        seen_e_loss.add(w.loss("e_class") > 0)
    assert seen_e_loss == {True, False}  # the E class loses at low levels and is repaid at high ones
