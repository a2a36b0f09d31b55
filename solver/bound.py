"""A proven upper bound for the whole problem from any non-negative multipliers.

Dualising partner capacity (lambda), the account limit (mu), specialist capacity (nu) and the
track shares (tau) leaves one small problem per account: pick the partner (or none) and per line
the specialist with the best reduced value. For any multipliers >= 0

    L = constant + sum lambda_p cap_p + sum mu_p limit + sum nu_s cap_s + sum_a max_a(...)

bounds every allocation (weak duality), over *all* allowed pairs, so an LP solved over a pruned
set of pairs still yields a bound for the full problem. With the LP's own duals it is at most
the LP optimum when the LP saw every pair. On very large problems a specialist's gain is
bounded by ``ws * lift`` (the partner-independent ceiling) instead of computed per pair.
"""

from __future__ import annotations

import numpy as np

from solver.lp import LPResult
from solver.problem import FloatArray
from solver.space import Space

CHUNK = 2048
CROSS_MAX = 20_000_000  # above this many (pair, slot) combinations, use the ceiling


def _specialist_ceiling(space: Space, nu: FloatArray) -> FloatArray:
    """Per account, sum over lines of the best ``ws * lift - nu`` (>= every partner's gain)."""
    d = space.data
    gain = space.slot_max_gain - nu[space.slot_spec]
    keep = gain > 0
    acc = space.slot_account[keep]
    key = acc * d.n_lines + d.specialist_line[space.slot_spec[keep]]
    best = np.zeros(d.n_accounts * max(d.n_lines, 1))
    np.maximum.at(best, key, gain[keep])
    total: FloatArray = best.reshape(d.n_accounts, -1).sum(axis=1)
    return total


def reduced_pair_values(
    space: Space, lam: FloatArray, mu: FloatArray, nu: FloatArray, tau: FloatArray
) -> FloatArray:
    """Reduced value of every allowed pair (``space.cand`` order) under the multipliers."""
    d = space.data
    k = space.cand
    p = d.pair_partner[k]
    a = d.pair_account[k]
    r = space.coef[k] - lam[p] * d.pair_effort[k] - mu[p]
    w = d.account_total_whitespace[a]
    for t, share in enumerate(d.policy.min_track_share):
        if share > 0 and tau[t] > 0:
            r += tau[t] * ((d.partner_track[p] == t) - share) * w
    n_pair = np.diff(space.cand_start)
    n_slot = np.diff(space.slot_start)
    if int((n_pair * n_slot).sum()) > CROSS_MAX:
        return r + _specialist_ceiling(space, nu)[a]
    accounts = np.arange(d.n_accounts, dtype=np.int64)
    for lo in range(0, d.n_accounts, CHUNK):
        pk, sj = space.cross(accounts[lo : lo + CHUNK])
        if len(pk) == 0:
            continue
        gain = space.gain(pk, sj) - nu[space.slot_spec[sj]]
        keep = gain > 0
        pk, sj, gain = pk[keep], sj[keep], gain[keep]
        line = d.specialist_line[space.slot_spec[sj]]
        key = pk * d.n_lines + line
        order = np.lexsort((-gain, key))
        first = np.concatenate([[True], np.diff(key[order]) != 0]) if len(order) else order
        best = order[first.astype(bool)] if len(order) else order
        np.add.at(r, np.searchsorted(k, pk[best]), gain[best])
    return r


def lagrangian_bound(space: Space, lp: LPResult) -> float:
    """Upper bound on the objective from the LP's duals, valid over every allowed pair."""
    d = space.data
    lam, mu, nu, tau = lp.cap_dual, lp.count_dual, lp.spec_dual, lp.track_dual
    r = reduced_pair_values(space, lam, mu, nu, tau)
    forced = d.policy.must_cover | (d.policy.pins >= 0)
    best = np.where(forced, -np.inf, 0.0)
    np.maximum.at(best, d.pair_account[space.cand], r)
    if not np.isfinite(best).all():
        return float("inf")
    limit = d.policy.max_accounts_per_partner
    total = space.constant + float(lam @ d.partner_capacity) + float(nu @ d.specialist_capacity)
    if limit is not None:
        total += float(mu.sum()) * limit
    return total + float(best.sum())
