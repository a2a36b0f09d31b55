"""The file contract: ``allot-problem/1`` dicts in, ``allot-result/1`` dicts out.

Every field is checked on the way in; a structural error raises ``ProblemValidationError``
naming the field (``partners[3].capacity``) and the rule. String ids stop here: the solver
sees integer indices only, and the result dict maps them back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from solver.problem import (
    TIERS,
    TRACKS,
    Policy,
    ProblemData,
    ProblemValidationError,
    TierFloor,
)

FORMAT = "allot-problem/1"
RESULT_FORMAT = "allot-result/1"


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProblemValidationError(where, "must be an object")
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise ProblemValidationError(where, "must be a list")
    return value


def _num(value: Any, where: str, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProblemValidationError(where, "must be a finite number")
    if lo is not None and value < lo:
        raise ProblemValidationError(where, f"must be >= {lo:g}")
    if hi is not None and value > hi:
        raise ProblemValidationError(where, f"must be <= {hi:g}")
    return float(value)


def _int(value: Any, where: str, lo: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemValidationError(where, "must be an integer")
    if value < lo:
        raise ProblemValidationError(where, f"must be >= {lo}")
    return value


def _ref(value: Any, index: Mapping[str, int], where: str, kind: str) -> int:
    if not isinstance(value, str) or value not in index:
        raise ProblemValidationError(where, f"unknown {kind} {value!r}")
    return index[value]


def _ids(items: Sequence[Any], where: str, key: str | None = "id") -> tuple[str, ...]:
    out: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        ident = item if key is None else _obj(item, f"{where}[{i}]").get(key)
        at = f"{where}[{i}]" if key is None else f"{where}[{i}].{key}"
        if not isinstance(ident, str) or not ident:
            raise ProblemValidationError(at, "must be a non-empty string")
        if ident in seen:
            raise ProblemValidationError(at, f"duplicate id {ident!r}")
        seen.add(ident)
        out.append(ident)
    return tuple(out)


def _index(ids: Sequence[str]) -> dict[str, int]:
    return {s: i for i, s in enumerate(ids)}


def _partners(d: Mapping[str, Any], lines: dict[str, int], terrs: dict[str, int]) -> dict[str, Any]:
    items = _list(d.get("partners", []), "partners")
    ids = _ids(items, "partners")
    n, n_lines, n_terr = len(items), len(lines), len(terrs)
    track = np.zeros(n, np.int64)
    tier = np.zeros(n, np.int64)
    cap = np.zeros(n)
    rates = np.zeros((n, n_lines))
    serves = np.zeros((n, n_terr), bool)
    for i, raw in enumerate(items):
        at = f"partners[{i}]"
        if raw.get("track") not in TRACKS:
            raise ProblemValidationError(f"{at}.track", f"must be one of {', '.join(TRACKS)}")
        if raw.get("tier") not in TIERS:
            raise ProblemValidationError(f"{at}.tier", f"must be one of {', '.join(TIERS)}")
        track[i] = TRACKS.index(raw["track"])
        tier[i] = TIERS.index(raw["tier"])
        cap[i] = _num(raw.get("capacity"), f"{at}.capacity", lo=0)
        for j, t in enumerate(_list(raw.get("territories", []), f"{at}.territories")):
            serves[i, _ref(t, terrs, f"{at}.territories[{j}]", "territory")] = True
        rate_map = _obj(raw.get("attach_rates", {}), f"{at}.attach_rates")
        for line, r in rate_map.items():
            where = f"{at}.attach_rates.{line}"
            rates[i, _ref(line, lines, where, "product line")] = _num(r, where, 0, 1)
    return {"ids": ids, "track": track, "tier": tier, "cap": cap, "rates": rates, "serves": serves}


def _specialists(
    d: Mapping[str, Any], lines: dict[str, int], terrs: dict[str, int]
) -> dict[str, Any]:
    items = _list(d.get("specialists", []), "specialists")
    ids = _ids(items, "specialists")
    n = len(items)
    terr = np.zeros(n, np.int64)
    line = np.zeros(n, np.int64)
    cap = np.zeros(n, np.int64)
    lift = np.zeros(n)
    for i, raw in enumerate(items):
        at = f"specialists[{i}]"
        terr[i] = _ref(raw.get("territory"), terrs, f"{at}.territory", "territory")
        line[i] = _ref(raw.get("product_line"), lines, f"{at}.product_line", "product line")
        cap[i] = _int(raw.get("capacity"), f"{at}.capacity")
        lift[i] = _num(raw.get("lift"), f"{at}.lift", 0, 1)
    return {"ids": ids, "terr": terr, "line": line, "cap": cap, "lift": lift}


def _accounts(
    d: Mapping[str, Any], lines: dict[str, int], terrs: dict[str, int], partners: dict[str, int]
) -> dict[str, Any]:
    items = _list(d.get("accounts", []), "accounts")
    ids = _ids(items, "accounts")
    n = len(items)
    terr = np.zeros(n, np.int64)
    work = np.zeros(n)
    inc = np.full(n, -1, np.int64)
    ws = np.zeros((n, len(lines)))
    for i, raw in enumerate(items):
        at = f"accounts[{i}]"
        terr[i] = _ref(raw.get("territory"), terrs, f"{at}.territory", "territory")
        work[i] = _num(raw.get("workload"), f"{at}.workload", lo=0)
        if raw.get("incumbent") is not None:
            inc[i] = _ref(raw["incumbent"], partners, f"{at}.incumbent", "partner")
        for line, v in _obj(raw.get("whitespace", {}), f"{at}.whitespace").items():
            where = f"{at}.whitespace.{line}"
            ws[i, _ref(line, lines, where, "product line")] = _num(v, where, lo=0)
    return {"ids": ids, "terr": terr, "work": work, "inc": inc, "ws": ws}


def _eligible_pairs(terr: np.ndarray, serves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (account, partner) pairs where the partner serves the account's territory."""
    n_terr = serves.shape[1]
    by_terr = [np.flatnonzero(serves[:, t]) for t in range(n_terr)]
    sizes = np.array([len(x) for x in by_terr], np.int64)
    flat = np.concatenate(by_terr) if by_terr else np.zeros(0, np.int64)
    start = np.concatenate([[0], np.cumsum(sizes)])
    counts = sizes[terr] if len(terr) else np.zeros(0, np.int64)
    k = int(counts.sum())
    acc = np.repeat(np.arange(len(terr), dtype=np.int64), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    part = flat[np.repeat(start[terr], counts) + np.arange(k) - first] if k else acc
    return acc, part.astype(np.int64)


def _pair_values(
    ws: np.ndarray, rates: np.ndarray, acc: np.ndarray, part: np.ndarray
) -> np.ndarray:
    """sum_l ws(a, l) * rate(p, l) per pair, in chunks to bound the memory of large problems."""
    out = np.empty(len(acc))
    step = 1 << 20
    for lo in range(0, len(acc), step):
        a, p = acc[lo : lo + step], part[lo : lo + step]
        out[lo : lo + step] = np.einsum("kl,kl->k", ws[a], rates[p])
    return out


def _policy(d: Mapping[str, Any], accounts: dict[str, int], partners: dict[str, int]) -> Policy:
    raw = _obj(d.get("policy") or {}, "policy")
    pins = np.full(len(accounts), -1, np.int64)
    for i, pin in enumerate(_list(raw.get("pins", []), "policy.pins")):
        at = f"policy.pins[{i}]"
        a = _ref(_obj(pin, at).get("account"), accounts, f"{at}.account", "account")
        p = _ref(pin.get("partner"), partners, f"{at}.partner", "partner")
        if pins[a] >= 0 and pins[a] != p:
            raise ProblemValidationError(at, "account is already pinned to another partner")
        pins[a] = p
    fa: list[int] = []
    fp: list[int] = []
    for i, fb in enumerate(_list(raw.get("forbids", []), "policy.forbids")):
        at = f"policy.forbids[{i}]"
        fa.append(_ref(_obj(fb, at).get("account"), accounts, f"{at}.account", "account"))
        fp.append(_ref(fb.get("partner"), partners, f"{at}.partner", "partner"))
    floor = None
    if raw.get("tier_floor") is not None:
        tf = _obj(raw["tier_floor"], "policy.tier_floor")
        if tf.get("tier") not in TIERS:
            raise ProblemValidationError("policy.tier_floor.tier", f"must be one of {TIERS}")
        mw = _num(tf.get("min_whitespace"), "policy.tier_floor.min_whitespace", lo=0)
        floor = TierFloor(mw, TIERS.index(tf["tier"]))
    share = np.zeros(len(TRACKS))
    for track, v in _obj(raw.get("min_track_share") or {}, "policy.min_track_share").items():
        where = f"policy.min_track_share.{track}"
        if track not in TRACKS:
            raise ProblemValidationError(where, f"unknown track, must be one of {TRACKS}")
        share[TRACKS.index(track)] = _num(v, where, 0, 1)
    max_acc = raw.get("max_accounts_per_partner")
    must = raw.get("must_cover", False)
    if not isinstance(must, bool):
        raise ProblemValidationError("policy.must_cover", "must be true or false")
    return Policy(
        must_cover=must,
        pins=pins,
        forbid_account=np.array(fa, np.int64),
        forbid_partner=np.array(fp, np.int64),
        tier_floor=floor,
        min_track_share=share,
        max_accounts_per_partner=None
        if max_acc is None
        else _int(max_acc, "policy.max_accounts_per_partner"),
        stickiness=_num(raw.get("stickiness", 0.0), "policy.stickiness", lo=0),
    )


def _apply_pairs(
    d: Mapping[str, Any], data: dict[str, Any], accounts: dict[str, int], partners: dict[str, int]
) -> None:
    """Override value/effort for the pairs listed in ``pairs``; each must be eligible."""
    items = _list(d.get("pairs") or [], "pairs")
    if not items:
        return
    n_p = len(partners)
    key = data["pair_account"] * n_p + data["pair_partner"]
    a_idx = np.zeros(len(items), np.int64)
    p_idx = np.zeros(len(items), np.int64)
    vals = np.full(len(items), np.nan)
    effs = np.full(len(items), np.nan)
    for i, raw in enumerate(items):
        at = f"pairs[{i}]"
        a_idx[i] = _ref(_obj(raw, at).get("account"), accounts, f"{at}.account", "account")
        p_idx[i] = _ref(raw.get("partner"), partners, f"{at}.partner", "partner")
        if "value" in raw and raw["value"] is not None:
            vals[i] = _num(raw["value"], f"{at}.value")
        if "effort" in raw and raw["effort"] is not None:
            effs[i] = _num(raw["effort"], f"{at}.effort", lo=0)
    want = a_idx * n_p + p_idx
    pos = np.minimum(np.searchsorted(key, want), max(len(key) - 1, 0))
    bad = np.flatnonzero((key[pos] != want) if len(key) else np.ones(len(want), bool))
    if len(bad):
        raise ProblemValidationError(
            f"pairs[{bad[0]}]", "partner does not serve the account's territory"
        )
    uniq, counts = np.unique(want, return_counts=True)
    if (counts > 1).any():
        dup = int(np.flatnonzero(want == uniq[counts > 1][0])[1])
        raise ProblemValidationError(f"pairs[{dup}]", "duplicate account-partner pair")
    has_v = ~np.isnan(vals)
    has_e = ~np.isnan(effs)
    data["pair_value"][pos[has_v]] = vals[has_v]
    data["pair_effort"][pos[has_e]] = effs[has_e]


def problem_from_dict(d: Mapping[str, Any]) -> ProblemData:
    """Build validated ``ProblemData`` from an ``allot-problem/1`` dict."""
    d = _obj(d, "problem")
    if d.get("format") != FORMAT:
        raise ProblemValidationError("format", f"must be {FORMAT!r}")
    line_ids = _ids(_list(d.get("product_lines", []), "product_lines"), "product_lines", None)
    terr_ids = _ids(_list(d.get("territories", []), "territories"), "territories", None)
    lines, terrs = _index(line_ids), _index(terr_ids)
    pa = _partners(d, lines, terrs)
    sp = _specialists(d, lines, terrs)
    partners = _index(pa["ids"])
    ac = _accounts(d, lines, terrs, partners)
    accounts = _index(ac["ids"])
    pair_a, pair_p = _eligible_pairs(ac["terr"], pa["serves"])
    pairs = {
        "pair_account": pair_a,
        "pair_partner": pair_p,
        "pair_value": _pair_values(ac["ws"], pa["rates"], pair_a, pair_p),
        "pair_effort": ac["work"][pair_a].copy(),
    }
    _apply_pairs(d, pairs, accounts, partners)
    start = np.searchsorted(pair_a, np.arange(len(accounts) + 1)).astype(np.int64)
    name = d.get("name", "")
    return ProblemData(
        name=name if isinstance(name, str) else str(name),
        line_ids=line_ids,
        territory_ids=terr_ids,
        partner_ids=pa["ids"],
        specialist_ids=sp["ids"],
        account_ids=ac["ids"],
        partner_track=pa["track"],
        partner_tier=pa["tier"],
        partner_capacity=pa["cap"],
        partner_rates=pa["rates"],
        specialist_territory=sp["terr"],
        specialist_line=sp["line"],
        specialist_capacity=sp["cap"],
        specialist_lift=sp["lift"],
        account_territory=ac["terr"],
        account_workload=ac["work"],
        account_incumbent=ac["inc"],
        whitespace=ac["ws"],
        account_start=start,
        policy=_policy(d, accounts, partners),
        **pairs,
    )


def load_problem(path: str | Path) -> ProblemData:
    """Read an ``allot-problem/1`` JSON file into validated ``ProblemData``."""
    with open(path, encoding="utf-8") as fh:
        try:
            raw = json.load(fh)
        except json.JSONDecodeError as exc:
            raise ProblemValidationError("file", f"not valid JSON: {exc}") from exc
    return problem_from_dict(raw)


from solver.report import result_to_dict  # noqa: E402  (re-export: the contract lives here)

__all__ = ["load_problem", "problem_from_dict", "result_to_dict"]
