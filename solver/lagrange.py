"""Subgradient multipliers for problems too large for an LP in the time limit.

Same dualisation as ``solver.bound`` (partner capacity, account limit, specialist capacity,
track shares), optimised by Polyak subgradient steps over a pruned set of pairs; each step is a
handful of numpy passes. The multipliers then give (a) a proven bound over all pairs through
``solver.bound.lagrangian_bound`` and (b) prices for a Lagrangian greedy start: value minus the
capacity it uses, priced. Specialist gains use the partner-independent ceiling ``ws * lift``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from solver.lp import LPResult
from solver.problem import FloatArray, IntArray
from solver.space import Space


class _Slots:
    """Slots grouped by (account, line) for per-iteration best-specialist picks."""

    def __init__(self, space: Space) -> None:
        d = space.data
        key = space.slot_account * max(d.n_lines, 1) + d.specialist_line[space.slot_spec]
        order = np.argsort(key, kind="stable")
        self.order = order
        self.key = key[order]
        self.heads = np.flatnonzero(np.r_[True, np.diff(self.key) != 0]) if len(key) else key
        self.acc = space.slot_account[order][self.heads] if len(key) else key
        self.spec = space.slot_spec[order]
        self.gain = space.slot_max_gain[order]

    def best(self, nu: FloatArray, n_accounts: int) -> tuple[FloatArray, IntArray]:
        """Per account the summed best reduced slot gains; per group the chosen specialist."""
        if len(self.key) == 0:
            return np.zeros(n_accounts), np.zeros(0, dtype=np.int64)
        g = self.gain - nu[self.spec]
        top = np.maximum.reduceat(g, self.heads)
        is_top = g >= np.repeat(top, np.diff(np.r_[self.heads, len(g)]))
        first = np.flatnonzero(is_top)
        grp = np.searchsorted(self.heads, first, side="right") - 1
        pick_pos = np.full(len(self.heads), -1, np.int64)
        pick_pos[grp[::-1]] = first[::-1]
        chosen: IntArray = np.where(top > 0, self.spec[pick_pos], -1).astype(np.int64)
        per_acc: FloatArray = np.bincount(
            self.acc, weights=np.maximum(top, 0), minlength=n_accounts
        ).astype(np.float64)
        return per_acc, chosen


def subgradient(space: Space, pairs: IntArray, lower: float, time_limit: float,
                max_iter: int = 200, init: LPResult | None = None,
                stop: Callable[[], bool] | None = None,
                report: Callable[[LPResult], None] | None = None,
                report_s: float = 0.0) -> LPResult:  # fmt: skip
    """Multipliers minimising the Lagrangian over ``pairs`` (sorted); status "LAGRANGIAN".

    ``stop`` (a cancellation check) ends the iterations early, after the first one. ``report``
    is handed the best multipliers so far every ``report_s`` seconds while they improve, so a
    caller can turn them into a bound before the iterations end.
    """
    start = time.monotonic()
    reported = start
    d = space.data
    pol = d.policy
    acc = d.pair_account[pairs]
    part = d.pair_partner[pairs]
    eff = d.pair_effort[pairs]
    coef = space.coef[pairs]
    w = d.account_total_whitespace
    heads = np.flatnonzero(np.r_[True, np.diff(acc) != 0]) if len(acc) else acc
    owners = acc[heads] if len(acc) else acc
    forced = (pol.must_cover | (pol.pins >= 0))[owners]
    limit = pol.max_accounts_per_partner
    shares = pol.min_track_share
    track_coef = [((d.partner_track[part] == t) - s) * w[acc] for t, s in enumerate(shares)]
    slots = _Slots(space)
    lam = np.zeros(d.n_partners) if init is None else init.cap_dual.copy()
    mu = np.zeros(d.n_partners) if init is None else init.count_dual.copy()
    nu = np.zeros(d.n_specialists) if init is None else init.spec_dual.copy()
    tau = np.zeros(len(shares)) if init is None else init.track_dual.copy()
    best_l, best_m = float("inf"), (lam, mu, nu, tau)
    best_x = np.zeros(len(pairs))
    theta, stall = (1.0 if init is None else 0.25), 0
    fresh = False  # better multipliers since the last report
    for it in range(max_iter):
        now = time.monotonic()
        if it > 0 and (now - start > time_limit or (stop is not None and stop())):
            break
        if report is not None and fresh and now - reported >= report_s:
            report(_multipliers(pairs, best_l, best_x, best_m, now - start))
            reported, fresh = time.monotonic(), False
        if len(pairs) == 0:
            break
        spec_gain, pick = slots.best(nu, d.n_accounts)
        r = coef - lam[part] * eff - mu[part] + spec_gain[acc]
        for t, s in enumerate(shares):
            if s > 0:
                r += tau[t] * track_coef[t]
        top = np.maximum.reduceat(r, heads)
        take = forced | (top > 0)
        is_top = r >= np.repeat(top, np.diff(np.r_[heads, len(r)]))
        first = np.flatnonzero(is_top)
        grp = np.searchsorted(heads, first, side="right") - 1
        arg = np.full(len(heads), -1, np.int64)
        arg[grp[::-1]] = first[::-1]
        x = np.zeros(len(pairs))
        x[arg[take]] = 1.0
        value = space.constant + float(lam @ d.partner_capacity) + float(nu @ d.specialist_capacity)
        value += float(np.where(take, top, 0.0).sum())
        if limit is not None:
            value += float(mu.sum()) * limit
        if value < best_l - 1e-9 * abs(best_l if np.isfinite(best_l) else 1.0):
            best_l, best_m, best_x, stall, fresh = value, (lam, mu, nu, tau), x, 0, True
        else:
            stall += 1
            if stall >= 5:
                theta, stall = theta / 2, 0
        g_cap = np.bincount(part, weights=eff * x, minlength=d.n_partners) - d.partner_capacity
        g_cnt = (
            np.bincount(part, weights=x, minlength=d.n_partners) - limit
            if limit is not None
            else np.zeros(d.n_partners)
        )
        assigned = np.zeros(d.n_accounts, bool)
        assigned[owners[take]] = True
        used = pick[(pick >= 0) & assigned[slots.acc]] if len(pick) else pick
        g_spec = np.bincount(used, minlength=d.n_specialists) - d.specialist_capacity
        g_trk = np.array([-(tc * x).sum() for tc in track_coef])
        g_cap = np.where((lam <= 0) & (g_cap < 0), 0.0, g_cap)
        g_cnt = np.where((mu <= 0) & (g_cnt < 0), 0.0, g_cnt)
        g_spec = np.where((nu <= 0) & (g_spec < 0), 0.0, g_spec)
        g_trk = np.where((tau <= 0) & (g_trk < 0) | (shares <= 0), 0.0, g_trk)
        norm = float(g_cap @ g_cap + g_cnt @ g_cnt + g_spec @ g_spec + g_trk @ g_trk)
        if norm <= 0:
            break
        step = theta * max(value - lower, 1e-6 * abs(value)) / norm
        lam = np.maximum(0.0, lam + step * g_cap)
        mu = np.maximum(0.0, mu + step * g_cnt)
        nu = np.maximum(0.0, nu + step * g_spec)
        tau = np.maximum(0.0, tau + step * g_trk)
    return _multipliers(pairs, best_l, best_x, best_m, time.monotonic() - start)


def _multipliers(pairs: IntArray, value: float, x: FloatArray,
                 m: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
                 wall_s: float) -> LPResult:  # fmt: skip
    """Subgradient multipliers ``m`` (capacity, account limit, specialist, track) as the
    relaxation's result."""
    lam, mu, nu, tau = m
    return LPResult(
        status="LAGRANGIAN",
        objective=value,
        pairs=pairs,
        x=x,
        slots=np.zeros(0, np.int64),
        y=np.zeros(0),
        cap_dual=lam,
        count_dual=mu,
        spec_dual=nu,
        track_dual=tau,
        wall_s=wall_s,
    )


def priced_subgradient(space: Space, pairs: IntArray, lower: float, time_limit: float,
                       rounds: int = 3, iters: int = 40,
                       stop: Callable[[], bool] | None = None) -> LPResult:  # fmt: skip
    """Subgradient with pricing: pairs outside the working set whose reduced value beats their
    account's best are added between rounds, so the multipliers price every partner.

    ``stop`` (a cancellation check) is seen every iteration and between rounds: the
    multipliers of the rounds done so far are returned (a cancel at 50,000 accounts otherwise
    waited for all three rounds, about 13 s).
    """
    from solver.bound import reduced_pair_values

    start = time.monotonic()
    d = space.data
    halted = stop if stop is not None else lambda: False
    res = subgradient(space, pairs, lower, time_limit / rounds, max_iter=iters, stop=stop)
    for _ in range(rounds - 1):
        if time.monotonic() - start > time_limit or halted():
            break
        r = reduced_pair_values(space, res.cap_dual, res.count_dual, res.spec_dual, res.track_dual)
        inside = np.zeros(len(space.cand), bool)
        inside[np.searchsorted(space.cand, pairs)] = True
        best_in = np.full(d.n_accounts, -np.inf)
        np.maximum.at(best_in, d.pair_account[space.cand[inside]], r[inside])
        acc = d.pair_account[space.cand]
        better = ~inside & (r > np.maximum(best_in[acc], 0.0) + 1e-9)
        if not better.any():
            break
        if halted():
            break
        # sorted union by a sort: numpy 2.4's union1d hashes, 4.4 s against 0.2 s at 50,000
        # accounts (2.9 M pairs), and a cancel waited for it
        merged = np.sort(np.concatenate([pairs, space.cand[better]]))
        pairs = merged[np.r_[True, merged[1:] != merged[:-1]]]
        res = subgradient(space, pairs, lower, time_limit / rounds, max_iter=iters, init=res,
                          stop=stop)  # fmt: skip
    return res
