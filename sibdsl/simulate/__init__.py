"""Phase 6, simulation: a compiled contract and stated assumptions -> a Monte Carlo projection.

`assumptions.py` reads and checks the assumptions file (TOML; located errors with hints),
`generate.py` draws one scenario's claims and measurements from it, `run.py` settles many
scenarios with the real engine (and runs the waterfall where the contract invests),
`summary.py` summarises them exactly (mean, percentiles of Decimals), `charts.py` draws them
(matplotlib, imported only there). `sibc simulate` is the command (docs/simulate.md).
"""
