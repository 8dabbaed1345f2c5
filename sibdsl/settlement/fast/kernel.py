"""Settlement, fast path: the loop that decides every claim, on integer columns.

Input: the claims as columns in the order of settlement (`columns.Columns`), the contract as
integer tables (`tables.FastPlan` and the day tables), and output columns to fill. Output: for
each claim its status, reason, price, amount, root cause and payer parts (written in place).

The loop is the reference engine's `decide` (engine.py), rule for rule and in the same order,
with every name an index, every date a day number, every amount a whole number of quanta, and
no words. It is written in the subset of Python that numba compiles (flat integer arrays,
integer arithmetic, module constants), so the same source runs either compiled (`compiled()`,
when numba is installed) or as plain Python on lists; tests run both against the reference
engine. Nothing here allocates per claim.
"""

from __future__ import annotations

from typing import Any

from sibdsl.settlement.records import Reason

_REASONS = tuple(Reason)
R_PAID = _REASONS.index(Reason.PAID)
R_PARTIAL = _REASONS.index(Reason.CAP_PARTIAL)
R_DUPLICATE = _REASONS.index(Reason.DUPLICATE_CLAIM)
R_NOT_IN_COHORT = _REASONS.index(Reason.NOT_IN_COHORT)
R_REFERRAL = _REASONS.index(Reason.REFERRAL_OUTSIDE_WINDOW)
R_FULL = _REASONS.index(Reason.COHORT_FULL)
R_CONFLICT = _REASONS.index(Reason.PARTICIPANT_CONFLICT)
R_OUTSIDE = _REASONS.index(Reason.OUTSIDE_TERM)
R_BEFORE = _REASONS.index(Reason.BEFORE_START)
R_WINDOW = _REASONS.index(Reason.OUTSIDE_WINDOW)
R_NOT_PAID = _REASONS.index(Reason.PREREQUISITE_NOT_PAID)
R_SOON = _REASONS.index(Reason.PREREQUISITE_TOO_SOON)
R_LATE_STEP = _REASONS.index(Reason.PREREQUISITE_TOO_LATE)
R_SIBLING = _REASONS.index(Reason.EXCLUSIVE_SIBLING_PAID)
R_REPEAT = _REASONS.index(Reason.REPEAT_LIMIT)
R_NO_PRICE = _REASONS.index(Reason.NO_PRICE)
R_MISSING = _REASONS.index(Reason.VALUE_MISSING)
R_COHORT_LEVEL = _REASONS.index(Reason.COHORT_LEVEL_OUTCOME)
R_BELOW = _REASONS.index(Reason.BELOW_THRESHOLD)
R_NOTHING = _REASONS.index(Reason.BAND_PAYS_NOTHING)
R_CAP = _REASONS.index(Reason.CAP_REACHED)
R_PAYER_CAP = _REASONS.index(Reason.PAYER_CAP_REACHED)
R_HELD = _REASONS.index(Reason.HELD_AT_REFERRAL)
R_LATE = _REASONS.index(Reason.CLAIM_LATE)
R_RESET = _REASONS.index(Reason.RESET)
R_RESET_UNKNOWN = _REASONS.index(Reason.RESET_UNKNOWN_PARTICIPANT)
R_RESET_BEFORE = _REASONS.index(Reason.RESET_BEFORE_ENTRY)
R_RESET_ALL_PAID = _REASONS.index(Reason.RESET_ALL_PAID)

S_PAID, S_PARTIAL, S_REJECTED, S_RECORDED, S_IGNORED = 0, 1, 2, 3, 4  # the last two: reset rows

# outcome kinds
K_TABLE, K_TIERED, K_VALUE, K_COHORT_LEVEL = 0, 1, 2, 3
# cap scopes and measures
SC_CONTRACT, SC_PARTICIPANT, SC_OUTCOME, SC_SUBGROUP, SC_COHORT, SC_PERIOD, SC_YEAR = 0, 1, 2, 3, 4, 5, 6
M_MONEY, M_COUNT, M_SHARE = 0, 1, 2
# rounding rules
RD_HALF_UP, RD_HALF_EVEN, RD_HALF_DOWN, RD_DOWN, RD_UP = 0, 1, 2, 3, 4
# claim flags (set by columns.py from the claim alone)
F_DUPLICATE, F_LATE, F_UNKNOWN, F_RESET = 1, 2, 4, 8


def round_div(n: int, d: int, mode: int) -> int:
    """n / d (n >= 0, d > 0) rounded to a whole number by the contract's rule."""
    q = n // d
    r = n - q * d
    if r == 0 or mode == RD_DOWN:
        return q
    if mode == RD_UP:
        return q + 1
    if 2 * r > d:
        return q + 1
    if 2 * r < d:
        return q
    if mode == RD_HALF_UP:
        return q + 1
    if mode == RD_HALF_DOWN:
        return q
    return q + (q & 1)  # half even


def split_into(amount: int, num: Any, den: Any, remainder: int, unit: int, mode: int, out: Any, at: int) -> None:
    """`money.split`: each payer's part, amount * num/den rounded to the unit by the rule, the
    difference to the remainder payer; all rounded down where that part would be negative.
    Written to out[at:at + payers]."""
    payers = len(num)
    if payers == 1:
        out[at] = amount
        return
    given = 0
    for p in range(payers):
        part = round_div(amount * num[p], den[p] * unit, mode) * unit
        out[at + p] = part
        given += part
    out[at + remainder] += amount - given
    if out[at + remainder] < 0:
        given = 0
        for p in range(payers):
            part = (amount * num[p]) // (den[p] * unit) * unit
            out[at + p] = part
            given += part
        out[at + remainder] += amount - given


def split_invoice(amount: int, before: int, given: Any, g: int, num: Any, den: Any, remainder: int, unit: int,
                  mode: int, out: Any, at: int) -> None:
    """`money.split_owed` with fixed shares (docs/settlement.md, "Splitting per invoice"): each payer
    but the remainder payer is owed its share of the period's running total (`before` + `amount`),
    rounded by the rule, less what it was given (given[g:g + payers]), never below zero and as far
    as the payment goes; the remainder payer is given the rest."""
    left = amount
    for p in range(len(num)):
        if p == remainder:
            continue
        part = round_div((before + amount) * num[p], den[p] * unit, mode) * unit - given[g + p]
        if part < 0:
            part = 0
        if part > left:
            part = left
        out[at + p] = part
        left -= part
    out[at + remainder] = left


def zeros(n: int) -> Any:
    """A list of n zeros (the compiled kernel's globals replace this with a numpy array)."""
    return [0] * n


def filled(n: int, value: int) -> Any:
    return [value] * n


def decide_all(
        # the claims, in the order of settlement
        c_outcome: Any, c_person: Any, c_day: Any, c_cohort: Any, c_start: Any, c_subgroup: Any, c_referral: Any,
        c_held: Any, c_flag: Any, c_vprice: Any, c_vreason: Any, c_period: Any, c_year: Any, c_pyear: Any,
        # outcomes: kind, repeat limit (0: any), window (duration index, -1), window of referral, not if held,
        # has prerequisites, payable per cohort (o * n_cohorts + k), restricted to cohorts
        o_kind: Any, o_times: Any, o_window: Any, o_window_ref: Any, o_not_if_held: Any, o_has_prereq: Any,
        o_cohort_ok: Any, o_restricted: Any,
        o_pre_start: Any, o_pre_count: Any, pre_outcome: Any, pre_at_least: Any, pre_within: Any,
        # `after a or b` clauses: each outcome's clauses, each clause's options, `or held at referral`, `if paid`
        o_ch_start: Any, o_ch_count: Any, ch_opt_start: Any, ch_opt_count: Any, ch_held: Any, ch_if_paid: Any,
        opt_outcome: Any, opt_at_least: Any, opt_within: Any,
        # resets: the steps each restarts
        rs_start: Any, rs_count: Any, rs_step: Any,
        o_grp_start: Any, o_grp_count: Any, grp_of: Any, grp_k: Any,
        o_price: Any, o_price_reason: Any,  # at (o * n_subgroups + s) * n_py + price year
        o_band_start: Any, o_band_count: Any, o_within: Any, o_band_caps: Any,
        band_first: Any, band_last: Any, band_price: Any, band_reason: Any, band_cap: Any,  # price, reason: band * n_py + y
        # cohorts (contract cohorts first): referral window, size (-1: none), a contract cohort
        k_open: Any, k_close: Any, k_size: Any, k_spec: Any,
        # claim-level caps, in declaration order
        cap_scope: Any, cap_target: Any, cap_measure: Any, cap_limit: Any, cap_num: Any, cap_den: Any,
        cap_rejects: Any,
        # payers: exact shares, the remainder payer, the rounding unit (quanta) and rule; capped payers
        pay_num: Any, pay_den: Any, remainder: int, unit: int, mode: int, per_invoice: int,
        pc_payer: Any, pc_limit: Any, pc_rejects: Any,
        # days: shift[d * n_days + day - base] = day + duration d; the term end
        shift: Any, base: int, n_days: int, term_end: int, held_has: Any, single_cohort: int,
        n_people: int, n_cohorts: int, n_subgroups: int, n_periods: int, n_years: int, n_py: int,
        # outputs
        status: Any, reason: Any, price: Any, amount: Any, root: Any, parts: Any) -> None:
    n_outcomes = len(o_kind)
    n_caps = len(cap_scope)
    n_payers = len(pay_num)
    n_pc = len(pc_payer)
    n_groups = len(grp_k)
    no_subgroup = n_subgroups - 1  # the last sub-group index is "none given"
    no_cohort = n_cohorts - 1
    # participants
    p_seen = zeros(n_people)
    p_enrolled = zeros(n_people)
    p_cohort = zeros(n_people)
    p_start = zeros(n_people)
    p_subgroup = zeros(n_people)
    p_referral = zeros(n_people)
    p_held = zeros(n_people)
    p_paid = zeros(n_people)
    po_count = zeros(n_people * n_outcomes)
    po_first = zeros(n_people * n_outcomes)
    po_stopped = filled(n_people * n_outcomes, -1)
    # resets of a step for a participant: the latest reset's date, and the latest before that date
    po_reset = zeros(n_people * n_outcomes)
    po_reset_before = zeros(n_people * n_outcomes)
    pg_used = zeros(n_people * max(n_groups, 1))
    # the running figures
    enrolled = zeros(n_cohorts)
    outcome_count = zeros(n_outcomes)
    outcome_money = zeros(n_outcomes)
    subgroup_count = zeros(n_subgroups)
    subgroup_money = zeros(n_subgroups)
    cohort_count = zeros(n_cohorts)
    cohort_money = zeros(n_cohorts)
    period_money = zeros(max(n_periods, 1))
    year_money = zeros(max(n_years, 1))
    band_money = zeros(max(len(band_first), 1))
    payer_money = zeros(n_payers)
    full = zeros(n_payers)  # the parts of the full price (a payer limit equal to a cut part)
    uncut = zeros(n_payers)  # per invoice: the parts before the payers' limits, given with the payment
    invoice_split = zeros(max(n_periods, 1))  # per invoice: what each period has split so far
    invoice_given = zeros(max(n_periods, 1) * n_payers)  # and what each payer was given of it
    total_money = 0
    total_count = 0
    for i in range(len(c_outcome)):
        o = c_outcome[i]
        day = c_day[i]
        period = c_period[i]
        why = -1
        cause = -1
        price_q = 0
        person = -1  # the participant whose history records a cap that stopped this claim
        flag = c_flag[i]
        if flag & F_RESET:  # a reset row (engine.restart_clocks): never a payment
            price[i] = 0
            amount[i] = 0
            root[i] = -1
            if flag & F_DUPLICATE:
                status[i] = S_IGNORED
                reason[i] = R_DUPLICATE
                continue
            p = c_person[i]
            r = o
            po = p * n_outcomes
            verdict = R_RESET
            if not p_seen[p]:
                verdict = R_RESET_UNKNOWN
            else:
                open_steps = 0
                started = 0
                for j in range(rs_start[r], rs_start[r] + rs_count[r]):
                    step = rs_step[j]
                    if o_times[step] == 0 or po_count[po + step] < o_times[step]:
                        open_steps += 1
                        # has the step's clock started: a prerequisite or an option paid, or held at referral
                        for k in range(o_pre_start[step], o_pre_start[step] + o_pre_count[step]):
                            if po_count[po + pre_outcome[k]] > 0:
                                started = 1
                        for cj in range(o_ch_start[step], o_ch_start[step] + o_ch_count[step]):
                            for k in range(ch_opt_start[cj], ch_opt_start[cj] + ch_opt_count[cj]):
                                if po_count[po + opt_outcome[k]] > 0:
                                    started = 1
                                if ch_held[cj] and p_held[p] >= 0 and held_has[p_held[p] * n_outcomes + opt_outcome[k]]:
                                    started = 1
                if open_steps == 0:
                    verdict = R_RESET_ALL_PAID
                elif not started:
                    verdict = R_RESET_BEFORE
            if verdict == R_RESET or verdict == R_RESET_UNKNOWN:  # noqa: SIM109  (kept plain for numba)
                for j in range(rs_start[r], rs_start[r] + rs_count[r]):
                    at = po + rs_step[j]
                    if day > po_reset[at]:
                        po_reset_before[at] = po_reset[at]
                        po_reset[at] = day
                status[i] = S_RECORDED
            else:
                status[i] = S_IGNORED
            reason[i] = verdict
            continue
        if flag & F_DUPLICATE:
            why = R_DUPLICATE
        elif flag & F_LATE:
            why = R_LATE
        elif flag & F_UNKNOWN:
            why = R_NOT_IN_COHORT
        if why < 0:
            p = c_person[i]
            cohort = c_cohort[i]
            if cohort < 0:
                cohort = p_cohort[p] if p_seen[p] else -1
                if cohort < 0 or cohort == no_cohort:
                    cohort = single_cohort if single_cohort >= 0 else no_cohort
            # ---- the participant (engine._participant)
            if p_seen[p]:
                if ((c_cohort[i] >= 0 and c_cohort[i] != p_cohort[p])
                        or (c_start[i] != 0 and c_start[i] != p_start[p])
                        or (c_subgroup[i] >= 0 and c_subgroup[i] != p_subgroup[p])
                        or (c_referral[i] != 0 and c_referral[i] != p_referral[p])
                        or (c_held[i] >= 0 and c_held[i] != p_held[p])):
                    why = R_CONFLICT
            else:
                p_seen[p] = 1
                p_cohort[p] = cohort
                p_start[p] = c_start[i]
                p_subgroup[p] = c_subgroup[i] if c_subgroup[i] >= 0 else no_subgroup
                p_referral[p] = c_referral[i]
                p_held[p] = c_held[i]
            if why < 0 and not p_enrolled[p]:
                if cohort != no_cohort and k_spec[cohort]:
                    start = p_start[p]
                    if start != 0 and not (k_open[cohort] <= start <= k_close[cohort]):
                        why = R_REFERRAL
                    elif k_size[cohort] >= 0 and enrolled[cohort] >= k_size[cohort]:
                        why = R_FULL
                if why < 0:
                    p_enrolled[p] = 1
                    enrolled[cohort] += 1
            if why < 0:
                # ---- eligibility (engine._eligible)
                who_cohort = p_cohort[p]
                start = p_start[p]
                kind = o_kind[o]
                po = p * n_outcomes
                if kind == K_COHORT_LEVEL:
                    why = R_COHORT_LEVEL
                elif o_restricted[o] and not o_cohort_ok[o * n_cohorts + who_cohort]:
                    why = R_NOT_IN_COHORT
                elif period < 0 or (day > term_end and not o_has_prereq[o]):
                    why = R_OUTSIDE
                elif start != 0 and day < start:
                    why = R_BEFORE
                elif o_window[o] >= 0:
                    anchor = start
                    if o_window_ref[o]:
                        if p_referral[p] != 0:
                            anchor = p_referral[p]
                        if anchor == 0:
                            why = R_MISSING
                        elif day < anchor:
                            why = R_WINDOW
                    elif anchor == 0:
                        why = R_MISSING
                    if why < 0 and day > shift[o_window[o] * n_days + anchor - base]:
                        why = R_WINDOW
                if why < 0 and o_not_if_held[o] and p_held[p] >= 0 and held_has[p_held[p] * n_outcomes + o]:
                    why = R_HELD
                if why < 0 and o_times[o] > 0 and po_count[po + o] >= o_times[o]:
                    why = R_REPEAT
                # the latest reset of this step dated before the claim: delays count from it where later
                restarted = po_reset[po + o]
                if restarted >= day:
                    restarted = po_reset_before[po + o]
                if why < 0:
                    for j in range(o_pre_start[o], o_pre_start[o] + o_pre_count[o]):
                        step = pre_outcome[j]
                        if po_count[po + step] == 0:
                            why = R_NOT_PAID
                            cause = po_stopped[po + step]
                            if cause >= 0:
                                person = p
                            break
                        first = po_first[po + step]
                        if restarted > first:
                            first = restarted
                        if pre_at_least[j] >= 0 and day < shift[pre_at_least[j] * n_days + first - base]:
                            why = R_SOON
                            break
                        if pre_within[j] >= 0 and day > shift[pre_within[j] * n_days + first - base]:
                            why = R_LATE_STEP
                            break
                # `after a or b` (engine.choose): some option paid (or held at referral) within its delays
                if why < 0:
                    for cj in range(o_ch_start[o], o_ch_start[o] + o_ch_count[o]):
                        satisfied = False
                        refusal = -1
                        for k in range(ch_opt_start[cj], ch_opt_start[cj] + ch_opt_count[cj]):
                            step = opt_outcome[k]
                            for held_anchor in range(2):
                                if held_anchor == 0:
                                    if po_count[po + step] == 0:
                                        continue
                                    anchor = po_first[po + step]
                                else:
                                    if not (ch_held[cj] and p_held[p] >= 0 and held_has[p_held[p] * n_outcomes + step]):
                                        continue
                                    anchor = p_referral[p] if p_referral[p] != 0 else p_start[p]
                                if opt_at_least[k] < 0 and opt_within[k] < 0:
                                    satisfied = True
                                    break
                                found = -1
                                if anchor == 0:
                                    found = R_MISSING
                                else:
                                    if restarted > anchor:
                                        anchor = restarted
                                    if opt_at_least[k] >= 0 and day < shift[opt_at_least[k] * n_days + anchor - base]:
                                        found = R_SOON
                                    elif opt_within[k] >= 0 and day > shift[opt_within[k] * n_days + anchor - base]:
                                        found = R_LATE_STEP
                                if found < 0:
                                    satisfied = True
                                    break
                                if refusal < 0:
                                    refusal = found
                            if satisfied:
                                break
                        if satisfied:
                            continue
                        if refusal >= 0:
                            why = refusal
                            break
                        if ch_if_paid[cj]:
                            continue
                        why = R_NOT_PAID
                        for k in range(ch_opt_start[cj], ch_opt_start[cj] + ch_opt_count[cj]):
                            if po_stopped[po + opt_outcome[k]] >= 0:  # a cap stopped an option: name it
                                cause = po_stopped[po + opt_outcome[k]]
                                person = p
                                break
                        break
                if why < 0:
                    for j in range(o_grp_start[o], o_grp_start[o] + o_grp_count[o]):
                        g = grp_of[j]
                        if po_count[po + o] == 0 and pg_used[p * n_groups + g] >= grp_k[g]:
                            why = R_SIBLING
                            break
                # ---- the price (engine._price, pricing.price)
                nothing = False
                band = -1
                if why < 0:
                    if kind == K_TABLE:
                        at = (o * n_subgroups + p_subgroup[p]) * n_py + c_pyear[i]
                        if o_price_reason[at] >= 0:
                            why = o_price_reason[at]
                        else:
                            price_q = o_price[at]
                    elif kind == K_VALUE:
                        if c_vreason[i] >= 0:
                            why = c_vreason[i]
                        else:
                            price_q = c_vprice[i]
                    else:  # tiered: the n-th paid claim of the outcome, its band, and the band's cap
                        if o_within[o] >= 0 and p_subgroup[p] != o_within[o]:
                            why = R_NO_PRICE
                        else:
                            n = outcome_count[o] + 1
                            for j in range(o_band_start[o], o_band_start[o] + o_band_count[o]):
                                if band_first[j] <= n and (band_last[j] < 0 or n <= band_last[j]):
                                    band = j
                                    break
                            if band < 0:
                                why = R_NO_PRICE
                            elif band_reason[band * n_py + c_pyear[i]] == R_NOTHING:
                                nothing = True
                            elif band_reason[band * n_py + c_pyear[i]] >= 0:
                                why = band_reason[band * n_py + c_pyear[i]]
                            else:
                                price_q = band_price[band * n_py + c_pyear[i]]
                                if band_cap[band] >= 0:
                                    left = band_cap[band] - band_money[band]
                                    if left <= 0:
                                        nothing = True
                                        price_q = 0
                                    elif left < price_q:
                                        price_q = left
                # ---- the claim-level caps (engine._caps)
                allowed = price_q
                cut = -1  # the cap that cut the claim to `allowed`
                if why < 0:
                    low = -1
                    low_reject = -1
                    for c in range(n_caps):
                        scope = cap_scope[c]
                        target = cap_target[c]
                        measure = cap_measure[c]
                        if scope == SC_CONTRACT:
                            used = total_money
                        elif scope == SC_PARTICIPANT:
                            used = p_paid[p]
                        elif scope == SC_OUTCOME:
                            if o != target:
                                continue
                            used = outcome_money[o] if measure == M_MONEY else outcome_count[o]
                        elif scope == SC_SUBGROUP:
                            if p_subgroup[p] != target:
                                continue
                            used = subgroup_money[target] if measure == M_MONEY else subgroup_count[target]
                        elif scope == SC_COHORT:
                            if who_cohort != target:
                                continue
                            used = cohort_money[target] if measure == M_MONEY else cohort_count[target]
                        elif scope == SC_PERIOD:
                            used = period_money[period]
                        else:
                            used = year_money[c_year[i]]
                        if measure == M_COUNT:
                            if used + 1 > cap_limit[c]:
                                why = R_CAP
                                cause = c
                                break
                            continue
                        if measure == M_SHARE:  # at most num/den of the paid outcomes, rounded up to a whole one
                            whole = total_count + 1
                            allowance = -((-cap_num[c] * whole) // cap_den[c])
                            if subgroup_count[target] + 1 > allowance:
                                why = R_CAP
                                cause = c
                                break
                            continue
                        if price_q <= 0:
                            continue
                        headroom = cap_limit[c] - used
                        if headroom <= 0:
                            why = R_CAP
                            cause = c
                            break
                        if price_q > headroom:
                            if low < 0 or headroom < low:
                                low = headroom
                                cut = c
                                low_reject = c if cap_rejects[c] else -1
                            elif headroom == low and low_reject < 0 and cap_rejects[c]:
                                low_reject = c
                    if why < 0 and low >= 0:
                        if low_reject >= 0:
                            why = R_CAP
                            cause = low_reject
                        else:
                            allowed = low
                # ---- the payers' parts and their limits (engine._pay)
                if why < 0:
                    at = i * n_payers
                    if per_invoice:
                        split_invoice(allowed, invoice_split[period], invoice_given, period * n_payers, pay_num,
                                      pay_den, remainder, unit, mode, parts, at)
                        for q in range(n_payers):
                            uncut[q] = parts[at + q]
                    else:
                        split_into(allowed, pay_num, pay_den, remainder, unit, mode, parts, at)
                    total = allowed
                    deciding = cut
                    payer_cut = False
                    full_done = False
                    for j in range(n_pc):
                        pi = pc_payer[j]
                        headroom = pc_limit[j] - payer_money[pi]
                        if headroom < 0:
                            headroom = 0
                        part = parts[at + pi]
                        if part < headroom:
                            continue
                        if part == headroom:
                            if not (pc_rejects[j] and cut >= 0):
                                continue
                            if not full_done:
                                if per_invoice:
                                    split_invoice(price_q, invoice_split[period], invoice_given, period * n_payers,
                                                  pay_num, pay_den, remainder, unit, mode, full, 0)
                                else:
                                    split_into(price_q, pay_num, pay_den, remainder, unit, mode, full, 0)
                                full_done = True
                            if not part < full[pi]:
                                continue
                            why = R_PAYER_CAP
                            cause = n_caps + j
                            break
                        if pc_rejects[j]:
                            why = R_PAYER_CAP
                            cause = n_caps + j
                            break
                        if not payer_cut:
                            payer_cut = True
                            deciding = n_caps + j
                        parts[at + pi] = headroom
                    if why < 0 and payer_cut:
                        total = 0
                        for q in range(n_payers):
                            total += parts[at + q]
                        if total <= 0:
                            why = R_PAYER_CAP
                            cause = deciding
                    if why >= 0:
                        person = p
                        for q in range(n_payers):
                            parts[at + q] = 0
                    else:
                        # ---- commit (engine._commit)
                        if o_band_caps[o] and band >= 0 and band_cap[band] >= 0:
                            band_money[band] += total
                        p_paid[p] += total
                        if po_count[po + o] == 0:
                            po_first[po + o] = day
                            for j in range(o_grp_start[o], o_grp_start[o] + o_grp_count[o]):
                                pg_used[p * n_groups + grp_of[j]] += 1
                        po_count[po + o] += 1
                        outcome_count[o] += 1
                        outcome_money[o] += total
                        s = p_subgroup[p]
                        subgroup_count[s] += 1
                        subgroup_money[s] += total
                        cohort_count[who_cohort] += 1
                        cohort_money[who_cohort] += total
                        period_money[period] += total
                        year_money[c_year[i]] += total
                        for q in range(n_payers):
                            payer_money[q] += parts[at + q]
                        if per_invoice:  # the period's running split moves on by the parts before payer limits
                            invoice_split[period] += allowed
                            for q in range(n_payers):
                                invoice_given[period * n_payers + q] += uncut[q]
                        total_money += total
                        total_count += 1
                        price[i] = price_q
                        amount[i] = total
                        if nothing:
                            status[i] = S_PAID
                            reason[i] = R_NOTHING
                            root[i] = -1
                        elif total < price_q:
                            status[i] = S_PARTIAL
                            reason[i] = R_PARTIAL
                            root[i] = deciding
                        else:
                            status[i] = S_PAID
                            reason[i] = R_PAID
                            root[i] = -1
                        continue
                elif cause >= 0:
                    person = p
        # ---- a rejection (engine._no): a cap that stopped it is remembered for the participant
        if cause >= 0 and person >= 0 and po_stopped[person * n_outcomes + o] < 0:
            po_stopped[person * n_outcomes + o] = cause
        status[i] = S_REJECTED
        reason[i] = why
        price[i] = price_q if (why == R_CAP or why == R_PAYER_CAP) else 0  # noqa: SIM109  (numba)
        amount[i] = 0
        root[i] = cause


_COMPILED: Any = None


def compiled() -> Any:
    """`decide_all` compiled by numba (once per process, in memory: never from a cache on disk),
    or None where numba is not installed. The same code objects as the plain functions, with
    globals in which their helpers are compiled too and state is held in numpy arrays."""
    global _COMPILED
    if _COMPILED is None:
        try:
            import numba
            import numpy as np
        except ImportError:  # pragma: no cover  (numba is a dependency where it has wheels)
            _COMPILED = False
            return None
        import types

        space: dict[str, Any] = dict(globals())

        def jit(fn: Any) -> Any:
            return numba.njit(cache=False)(types.FunctionType(fn.__code__, space, fn.__name__, fn.__defaults__))

        def np_zeros(n: int) -> Any:
            return np.zeros(n, np.int64)

        def np_filled(n: int, value: int) -> Any:
            return np.full(n, value, np.int64)

        space["np"] = np
        space["zeros"] = numba.njit(cache=False)(np_zeros)
        space["filled"] = numba.njit(cache=False)(np_filled)
        space["round_div"] = jit(round_div)
        space["split_into"] = jit(split_into)
        space["split_invoice"] = jit(split_invoice)
        _COMPILED = jit(decide_all)
    return _COMPILED or None
