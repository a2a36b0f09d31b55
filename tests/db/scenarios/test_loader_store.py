"""Loader: scope filters against SQL, overrides and inactive partners; store: COPY round trip."""

from __future__ import annotations

import asyncpg
import pytest

from db.errors import Invalid
from db.scenarios import loader, repository, store
from db.scenarios.models import (
    AccountPartner,
    CapacityOverride,
    NewScenario,
    Policy,
    Scenario,
    ScenarioParameters,
    ScenarioPatch,
    ScenarioStatus,
    Scope,
    ScopeCoverage,
)
from solver import SolveParams, problem_from_dict, result_to_dict, solve
from solver.explain import shortlist
from solver.space import build_space


async def _scenario(pool: asyncpg.Pool, params: ScenarioParameters) -> Scenario:
    return await repository.create(pool, NewScenario("load", "ann", parameters=params))


async def test_default_scope_is_every_unnamed_account(seeded_pool: asyncpg.Pool) -> None:
    s = await _scenario(seeded_pool, ScenarioParameters())
    loaded = await loader.load(seeded_pool, s)
    unnamed = await seeded_pool.fetch(
        "SELECT id FROM accounts WHERE coverage = 'UNNAMED' ORDER BY id"
    )
    assert [a["id"] for a in loaded.problem["accounts"]] == [str(r["id"]) for r in unnamed]
    data = problem_from_dict(loaded.problem)  # the solver accepts it as is
    assert data.n_accounts == len(unnamed)
    wallets = await seeded_pool.fetchval(
        "SELECT count(*) FROM account_wallets w JOIN accounts a ON a.id = w.account_id "
        "WHERE a.coverage = 'UNNAMED' AND w.whitespace_cents > 0"
    )
    assert loaded.stats["wallets"] == wallets


async def test_scope_filters_match_sql(seeded_pool: asyncpg.Pool) -> None:
    territory = await seeded_pool.fetchval("SELECT id FROM territories ORDER BY id LIMIT 1")
    line = await seeded_pool.fetchval("SELECT id FROM product_lines ORDER BY id DESC LIMIT 1")
    scope = Scope(territory_ids=(territory,), coverage=ScopeCoverage.ANY, product_line_ids=(line,))
    s = await _scenario(seeded_pool, ScenarioParameters(scope=scope))
    loaded = await loader.load(seeded_pool, s)
    expected = await seeded_pool.fetch(
        "SELECT DISTINCT a.id FROM accounts a JOIN account_wallets w ON w.account_id = a.id "
        "WHERE a.territory_id = $1 AND w.product_line_id = $2 AND w.whitespace_cents > 0 "
        "ORDER BY a.id",
        territory,
        line,
    )
    assert expected, "the seeded channel should have such accounts"
    assert [a["id"] for a in loaded.problem["accounts"]] == [str(r["id"]) for r in expected]
    explicit = Scope(account_ids=(expected[0]["id"],), coverage=ScopeCoverage.ANY)
    s2 = await _scenario(seeded_pool, ScenarioParameters(scope=explicit))
    loaded2 = await loader.load(seeded_pool, s2)
    assert [a["id"] for a in loaded2.problem["accounts"]] == [str(expected[0]["id"])]


async def test_overrides_and_inactive_partners(seeded_pool: asyncpg.Pool) -> None:
    partners = [r["id"] for r in await seeded_pool.fetch("SELECT id FROM partners ORDER BY id")]
    unnamed = await seeded_pool.fetchval(
        "SELECT id FROM accounts WHERE coverage = 'UNNAMED' ORDER BY id LIMIT 1"
    )
    specialist = await seeded_pool.fetchval("SELECT id FROM specialists ORDER BY id LIMIT 1")
    params = ScenarioParameters(
        partner_capacities=(CapacityOverride(partners[0], 1234),),
        specialist_capacities=(CapacityOverride(specialist, 2),),
        policy=Policy(forbids=(AccountPartner(unnamed, partners[1]),)),
    )
    s = await _scenario(seeded_pool, params)
    await seeded_pool.execute("UPDATE partners SET active = false WHERE id = $1", partners[1])
    loaded = await loader.load(seeded_pool, s)
    by_id = {p["id"]: p for p in loaded.problem["partners"]}
    assert by_id[str(partners[0])]["capacity"] == 1234
    assert str(partners[1]) not in by_id
    spec = {x["id"]: x for x in loaded.problem["specialists"]}
    assert spec[str(specialist)]["capacity"] == 2
    # A forbid on a partner that became inactive is moot: that partner gets nothing anyway.
    assert loaded.problem["policy"]["forbids"] == []
    assert all(a["incumbent"] != str(partners[1]) for a in loaded.problem["accounts"])


@pytest.mark.parametrize("kind", ["pins", "forbids"])
async def test_pins_and_forbids_must_name_accounts_of_the_scope(
    seeded_pool: asyncpg.Pool, kind: str
) -> None:
    partner = await seeded_pool.fetchval("SELECT id FROM partners ORDER BY id LIMIT 1")
    named = await seeded_pool.fetchval("SELECT id FROM accounts WHERE coverage = 'NAMED' LIMIT 1")
    unnamed = await seeded_pool.fetchval(
        "SELECT id FROM accounts WHERE coverage = 'UNNAMED' ORDER BY id LIMIT 1"
    )

    def params(*accounts: int) -> ScenarioParameters:
        pairs = tuple(AccountPartner(a, partner) for a in accounts)
        return ScenarioParameters(policy=Policy(**{kind: pairs}))

    # The default scope takes UNNAMED accounts only: the second pair names a NAMED one.
    with pytest.raises(Invalid) as err:
        await _scenario(seeded_pool, params(unnamed, named))
    assert (err.value.field, err.value.rule) == (
        f"parameters.policy.{kind}[1].account_id",
        "in_scope",
    )
    s = await _scenario(seeded_pool, params(unnamed))
    with pytest.raises(Invalid) as err:
        await repository.update(seeded_pool, s.id, ScenarioPatch(parameters=params(named)))
    assert (err.value.field, err.value.rule) == (
        f"parameters.policy.{kind}[0].account_id",
        "in_scope",
    )
    # The scope is dynamic: an account that leaves it after the check fails the solve's load
    # with the same field and rule (the worker stores it as the FAILED reason).
    await seeded_pool.execute("UPDATE accounts SET coverage = 'NAMED' WHERE id = $1", unnamed)
    with pytest.raises(Invalid) as err:
        await loader.load(seeded_pool, await repository.get(seeded_pool, s.id))
    assert (err.value.field, err.value.rule) == (
        f"parameters.policy.{kind}[0].account_id",
        "in_scope",
    )
    assert "no longer in the scenario's scope" in str(err.value)


async def test_a_pin_must_name_an_active_partner(seeded_pool: asyncpg.Pool) -> None:
    partners = [r["id"] for r in await seeded_pool.fetch("SELECT id FROM partners ORDER BY id")]
    unnamed = await seeded_pool.fetchval(
        "SELECT id FROM accounts WHERE coverage = 'UNNAMED' ORDER BY id LIMIT 1"
    )
    pin = ScenarioParameters(policy=Policy(pins=(AccountPartner(unnamed, partners[0]),)))
    s = await _scenario(seeded_pool, pin)
    await seeded_pool.execute("UPDATE partners SET active = false WHERE id = $1", partners[0])
    with pytest.raises(Invalid) as err:  # checked on write ...
        await repository.update(seeded_pool, s.id, ScenarioPatch(parameters=pin))
    assert (err.value.field, err.value.rule) == ("parameters.policy.pins[0].partner_id", "active")
    with pytest.raises(Invalid) as err:  # ... and again when the solve loads the scenario
        await loader.load(seeded_pool, s)
    assert (err.value.field, err.value.rule) == ("parameters.policy.pins[0].partner_id", "active")
    forbid = ScenarioParameters(policy=Policy(forbids=(AccountPartner(unnamed, partners[0]),)))
    await repository.update(seeded_pool, s.id, ScenarioPatch(parameters=forbid))  # allowed


async def test_store_round_trip(seeded_pool: asyncpg.Pool) -> None:
    s = await _scenario(seeded_pool, ScenarioParameters(time_limit_s=1))
    loaded = await loader.load(seeded_pool, s)
    data = problem_from_dict(loaded.problem)
    result = solve(data, SolveParams(time_limit=1, workers=1))
    outcome = store.outcome_from_result(result_to_dict(result, data))
    sid = s.id
    await seeded_pool.execute("UPDATE scenarios SET status = 'SOLVING' WHERE id = $1", sid)
    async with seeded_pool.acquire() as conn:
        done = await store.store(conn, sid, outcome)
    assert done.status is ScenarioStatus.SOLVED and done.solver_status == result.status.value
    assert done.objective_cents == round(result.objective)
    rows = await seeded_pool.fetch(
        "SELECT account_id, partner_id, specialist_ids FROM scenario_assignments "
        "WHERE scenario_id = $1 ORDER BY account_id",
        sid,
    )
    assigned = {
        int(data.account_ids[a]): int(data.partner_ids[p])
        for a, p in enumerate(result.allocation.partner.tolist())
        if p >= 0
    }
    assert {r["account_id"]: r["partner_id"] for r in rows} == assigned
    unassigned = await seeded_pool.fetchval(
        "SELECT count(*) FROM scenario_unassigned WHERE scenario_id = $1", sid
    )
    assert len(rows) + unassigned == data.n_accounts


async def test_rows_from_the_solve_equal_rows_from_the_result_file(
    seeded_pool: asyncpg.Pool,
) -> None:
    # the child process builds rows straight from the arrays; the result file is the contract
    s = await _scenario(seeded_pool, ScenarioParameters(time_limit_s=1))
    loaded = await loader.load(seeded_pool, s)
    data = problem_from_dict(loaded.problem)
    result = solve(data, SolveParams(time_limit=1, workers=1))
    space = build_space(data)
    direct = store.outcome_from_solve(result, data, space=space, short=shortlist(space))
    assert direct.assignments and direct.unassigned and direct.specialist_loads
    assert direct == store.outcome_from_result(result_to_dict(result, data))


async def _stored(pool: asyncpg.Pool) -> tuple[Scenario, store.SolveOutcome]:
    """A DRAFT-created scenario with a stored result (status forced to SOLVING first)."""
    s = await _scenario(pool, ScenarioParameters(time_limit_s=1))
    loaded = await loader.load(pool, s)
    data = problem_from_dict(loaded.problem)
    outcome = store.outcome_from_result(
        result_to_dict(solve(data, SolveParams(time_limit=1, workers=1)), data)
    )
    await pool.execute("UPDATE scenarios SET status = 'SOLVING' WHERE id = $1", s.id)
    async with pool.acquire() as conn:
        await store.store(conn, s.id, outcome)
    return s, outcome


async def test_store_refuses_rows_naming_missing_accounts(seeded_pool: asyncpg.Pool) -> None:
    # The per-account result tables have no row-level foreign keys (0030): store checks them.
    s, outcome = await _stored(seeded_pool)
    assert outcome.assignments and outcome.unassigned
    missing = await seeded_pool.fetchval("SELECT max(id) + 1000 FROM accounts")
    bad = store.SolveOutcome(
        **{**outcome.__dict__, "unassigned": [*outcome.unassigned, (missing, "CAPACITY", "x")]}
    )
    await seeded_pool.execute("UPDATE scenarios SET status = 'SOLVING' WHERE id = $1", s.id)
    async with seeded_pool.acquire() as conn:
        with pytest.raises(Invalid) as err:
            await store.store(conn, s.id, bad)
    assert err.value.rule == "exists"
    # Nothing of the refused result was written: the earlier result is still there.
    count = await seeded_pool.fetchval(
        "SELECT count(*) FROM scenario_unassigned WHERE scenario_id = $1", s.id
    )
    assert count == len(outcome.unassigned)


async def test_result_rows_keep_their_accounts_and_go_with_their_scenario(
    seeded_pool: asyncpg.Pool,
) -> None:
    s, outcome = await _stored(seeded_pool)
    account = outcome.assignments[0][0]
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="named by a scenario result"):
        await seeded_pool.execute("DELETE FROM accounts WHERE id = $1", account)
    await seeded_pool.execute("DELETE FROM scenarios WHERE id = $1", s.id)
    for table in ("scenario_assignments", "scenario_unassigned"):
        left = await seeded_pool.fetchval(
            f"SELECT count(*) FROM {table} WHERE scenario_id = $1", s.id
        )
        assert left == 0, table


async def test_declined_pairs_are_forbidden_in_every_solve(seeded_pool: asyncpg.Pool) -> None:
    partners = [r["id"] for r in await seeded_pool.fetch("SELECT id FROM partners ORDER BY id")]
    unnamed = await seeded_pool.fetchval(
        "SELECT id FROM accounts WHERE coverage = 'UNNAMED' ORDER BY id LIMIT 1"
    )
    pin = ScenarioParameters(policy=Policy(pins=(AccountPartner(unnamed, partners[0]),)))
    s = await _scenario(seeded_pool, pin)
    await seeded_pool.execute(
        "INSERT INTO offer_history (account_id, partner_id, scenario_id, offer_status) "
        "VALUES ($1, $2, $3, 'DECLINED')",
        unnamed,
        partners[0],
        s.id,
    )
    with pytest.raises(Invalid) as err:  # a pin on the declined pair: refused on write ...
        await repository.update(seeded_pool, s.id, ScenarioPatch(parameters=pin))
    assert (err.value.field, err.value.rule) == ("parameters.policy.pins[0]", "declined")
    with pytest.raises(Invalid) as err:  # ... and when the solve loads it
        await loader.load(seeded_pool, s)
    assert err.value.rule == "declined"
    plain = await _scenario(seeded_pool, ScenarioParameters())
    loaded = await loader.load(seeded_pool, plain)
    assert {"account": str(unnamed), "partner": str(partners[0])} in loaded.problem["policy"][
        "forbids"
    ]
    assert loaded.stats["declined_pairs_forbidden"] == 1
