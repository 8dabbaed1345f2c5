"""The contracts that issue 8 ("every verdict true") gives as its false "proven" / false "no
problems found" cases, shared by the soundness, honesty and guided-search tests."""

# A payer keeps paying after another payer's cap stops that payer's part: b can pay nearly the
# whole liability, not its 50% share of it.
PAYER_AFTER_CAP = """contract "payer maximum after another payer's cap" version 1
currency GBP
term 2015-01-01 to 2017-12-31
payer a "A" pays 50%, at most GBP 100
payer b "B" pays 50%
outcome x "X" pays GBP 100
cap contract GBP 1,000
assert payer b pays at most GBP 500
"""

# An outcome paid any number of times with no cap: one participant's pay has no limit.
UNLIMITED = """contract "unlimited outcome, no caps" version 1
currency GBP
term 2018-01-01 to 2022-12-31
payer dfe "DfE"
outcome engagement "Engagement step" pays GBP 100 unlimited
assert each participant is paid at most GBP 5,000
"""

# The first case without its assertion (for the figures alone).
PAYER_AFTER_CAP_FIGURES = PAYER_AFTER_CAP.replace("assert payer b pays at most GBP 500\n", "")


# Parts rounded to GBP 1 (30% of GBP 105 is 31.50) beside a's cap: b's figure is only a bound
# (the liability), above the about GBP 900 that b can be made to pay.
ROUNDED_PARTS = """contract "rounded parts" version 1
currency GBP
term 2015-01-01 to 2017-12-31
rounding half up to GBP 1
payer a "A" pays 30%, at most GBP 100
payer b "B" pays 70%
outcome x "X" pays GBP 105
cap contract GBP 1,000
"""
