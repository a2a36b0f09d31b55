"""Named conflicts: rules that cannot all hold, said in plain words with the ids involved.

Each check is cheap (numpy over pairs) and sound: it only reports a conflict when no allocation
can satisfy the rules it names. ``conflicts`` runs them all before any solving.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from solver.problem import TIERS, TRACKS, IntArray, ProblemData
from solver.space import Space, build_space


def _uncoverable(space: Space) -> list[str]:
    """Under must-cover every account needs at least one allowed partner."""
    d = space.data
    if not d.policy.must_cover:
        return []
    out = []
    none = np.flatnonzero(np.diff(space.cand_start) == 0)
    eligible = np.diff(d.account_start)
    for a in none[:50]:
        why = (
            "no eligible partner"
            if eligible[a] == 0
            else "no partner left after forbids/tier floor"
        )
        out.append(f"account {d.account_ids[a]} must be covered but has {why}")
    if len(none) > 50:
        out.append(f"... and {len(none) - 50} more accounts without a partner")
    return out


def _pins(space: Space) -> tuple[list[str], IntArray]:
    """Each pin must name an allowed pair; returns the messages and the valid pinned pairs."""
    d = space.data
    pins = d.policy.pins
    acc = np.flatnonzero(pins >= 0)
    k = d.pair_index(acc, pins[acc])
    out = []
    allowed = d.pair_allowed()
    for a, kk in zip(acc.tolist(), k.tolist(), strict=True):
        who = f"account {d.account_ids[a]} is pinned to partner {d.partner_ids[pins[a]]}"
        if kk < 0:
            terr = d.territory_ids[d.account_territory[a]]
            out.append(f"{who}, which does not serve territory {terr}")
        elif not allowed[kk]:
            floor = d.policy.tier_floor
            tier = f" (tier floor {TIERS[floor.tier]})" if floor is not None else ""
            out.append(f"{who}, which is forbidden for it{tier}")
    return out, k[k >= 0]


def _pin_capacity(space: Space, pinned: IntArray) -> list[str]:
    """Pinned accounts must fit their partner's capacity and account limit."""
    d = space.data
    p = d.pair_partner[pinned]
    need = np.bincount(p, weights=d.pair_effort[pinned], minlength=d.n_partners)
    out = [
        f"pins on partner {d.partner_ids[i]} need {need[i]:g} units of capacity, "
        f"it has {d.partner_capacity[i]:g}"
        for i in np.flatnonzero(need > d.partner_capacity + 1e-9)
    ]
    limit = d.policy.max_accounts_per_partner
    if limit is not None:
        count = np.bincount(p, minlength=d.n_partners)
        out += [
            f"partner {d.partner_ids[i]} has {count[i]} pinned accounts, at most {limit} allowed"
            for i in np.flatnonzero(count > limit)
        ]
    return out


def _cover_capacity(space: Space) -> list[str]:
    """Under must-cover the accounts' smallest efforts must fit in the total capacity."""
    d = space.data
    if not d.policy.must_cover or len(space.cand) == 0:
        return []
    eff = d.pair_effort[space.cand]
    acc = d.pair_account[space.cand]
    least = np.full(d.n_accounts, np.inf)
    np.minimum.at(least, acc, eff)
    need = float(least[np.isfinite(least)].sum())
    have = float(d.partner_capacity.sum())
    if need > have + 1e-9:
        return [f"must-cover needs at least {need:g} units of capacity, all partners have {have:g}"]
    return []


def max_track_share(space: Space, track: int) -> float:
    """An upper bound on the share of assigned whitespace that partners of ``track`` can carry."""
    d = space.data
    w = d.account_total_whitespace
    in_track = d.partner_track[d.pair_partner[space.cand]] == track
    acc = d.pair_account[space.cand]
    can = np.zeros(d.n_accounts, bool)
    can[acc[in_track]] = True
    least = np.full(d.n_accounts, np.inf)
    np.minimum.at(least, acc[in_track], d.pair_effort[space.cand][in_track])
    cap = float(d.partner_capacity[d.partner_track == track].sum())
    order = np.flatnonzero(can & (w > 0))
    order = order[np.argsort(-w[order] / np.maximum(least[order], 1e-12))]
    cum = np.cumsum(least[order])
    full = order[cum <= cap + 1e-9]
    got = float(w[full].sum())
    if len(full) < len(order):
        nxt = order[len(full)]
        room = cap - (float(cum[len(full) - 1]) if len(full) else 0.0)
        got += w[nxt] * max(0.0, room) / max(least[nxt], 1e-12)
    forced = np.zeros(d.n_accounts, bool)
    if d.policy.must_cover:
        forced[:] = True
    pins = d.policy.pins
    forced[(pins >= 0) & (d.partner_track[np.maximum(pins, 0)] != track)] = True
    other = float(w[forced & ~can].sum()) + max(0.0, float(w[forced & can].sum()) - got)
    total = got + other
    return 1.0 if total <= 0 else got / total


def _track_shares(space: Space) -> list[str]:
    """Each minimum track share must be reachable."""
    out = []
    for t, share in enumerate(space.data.policy.min_track_share):
        if share > 0:
            best = max_track_share(space, t)
            if best < share - 1e-9:
                out.append(f"{TRACKS[t]} share {share:g} unreachable: at most {best:.2f}")
    return out


def conflicts(space: Space) -> list[str]:
    """Every conflict between rules that can be named before solving; [] when none is found."""
    pin_msgs, pinned = _pins(space)
    out = _uncoverable(space) + pin_msgs + _pin_capacity(space, pinned)
    out += _cover_capacity(space) + _track_shares(space)
    return out


def _lp_feasible(data: ProblemData) -> bool:
    """True when the linear relaxation of ``data`` has a solution."""
    from solver.lp import solve_lp

    return solve_lp(build_space(data), time_limit=10.0).status != "INFEASIBLE"


def _forced(data: ProblemData) -> int:
    """Accounts that must get a partner (must-cover or pinned)."""
    if data.policy.must_cover:
        return data.n_accounts
    return int((data.policy.pins >= 0).sum())


def diagnose(data: ProblemData) -> list[str]:
    """Name the rule whose removal makes a proven-infeasible problem feasible (LP test)."""
    pol = data.policy
    out: list[str] = []
    limit = pol.max_accounts_per_partner
    if limit is not None and _lp_feasible(
        replace(data, policy=replace(pol, max_accounts_per_partner=None))
    ):
        places = limit * data.n_partners
        out.append(
            f"at most {limit} accounts per partner: {_forced(data)} accounts must be placed, "
            f"the partners that can take them have at most {places} places together"
        )
    for t, share in enumerate(pol.min_track_share):
        if share <= 0:
            continue
        shares = pol.min_track_share.copy()
        shares[t] = 0.0
        if _lp_feasible(replace(data, policy=replace(pol, min_track_share=shares))):
            out.append(f"{TRACKS[t]} share {share:g} unreachable with the other rules")
    if pol.must_cover and _lp_feasible(replace(data, policy=replace(pol, must_cover=False))):
        out.append("must-cover: not every account can be placed under the other rules")
    return out or ["no allocation meets all rules together"]
