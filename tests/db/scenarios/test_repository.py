"""Scenario repository: validation with field paths, DRAFT-only edits, clone, list, transitions."""

from __future__ import annotations

import asyncpg
import pytest

from db.errors import Conflict, Invalid, NotFound
from db.models import Tier, Track
from db.scenarios import jobs, repository
from db.scenarios.models import (
    AccountPartner,
    CapacityOverride,
    NewScenario,
    Policy,
    ScenarioFilter,
    ScenarioParameters,
    ScenarioPatch,
    ScenarioStatus,
    Scope,
    ScopeCoverage,
    TierFloor,
)


async def _ids(pool: asyncpg.Pool, table: str, n: int) -> list[int]:
    rows = await pool.fetch(f"SELECT id FROM {table} ORDER BY id LIMIT $1", n)
    return [r["id"] for r in rows]


async def test_create_get_and_first_transition(seeded_pool: asyncpg.Pool) -> None:
    created = await repository.create(seeded_pool, NewScenario("Q3 plan", "ann"))
    got = await repository.get(seeded_pool, created.id)
    assert got.status is ScenarioStatus.DRAFT and got.name == "Q3 plan" and got.version == 1
    assert got.parameters == ScenarioParameters()  # defaults: all UNNAMED accounts
    history = await repository.transitions(seeded_pool, created.id)
    assert [(t.from_status, t.to_status) for t in history] == [(None, ScenarioStatus.DRAFT)]


async def test_parameters_round_trip_through_jsonb(seeded_pool: asyncpg.Pool) -> None:
    partners = await _ids(seeded_pool, "partners", 2)
    specialists = await _ids(seeded_pool, "specialists", 1)
    territories = await _ids(seeded_pool, "territories", 1)
    # Pins and forbids must name accounts of the scope: accounts of that territory.
    accounts = [
        r["id"]
        for r in await seeded_pool.fetch(
            "SELECT id FROM accounts WHERE territory_id = $1 ORDER BY id LIMIT 2", territories[0]
        )
    ]
    params = ScenarioParameters(
        scope=Scope(territory_ids=tuple(territories), coverage=ScopeCoverage.ANY),
        partner_capacities=(CapacityOverride(partners[0], 7),),
        specialist_capacities=(CapacityOverride(specialists[0], 3),),
        policy=Policy(
            must_cover=False,
            pins=(AccountPartner(accounts[0], partners[0]),),
            forbids=(AccountPartner(accounts[1], partners[1]),),
            tier_floor=TierFloor(100_000, Tier.GOLD),
            min_track_share=((Track.VALUE, 0.2),),
            max_accounts_per_partner=40,
            stickiness=0.1,
        ),
        time_limit_s=5.0,
    )
    created = await repository.create(
        seeded_pool, NewScenario("all rules", "ann", parameters=params)
    )
    assert (await repository.get(seeded_pool, created.id)).parameters == params


async def test_missing_reference_names_the_field(seeded_pool: asyncpg.Pool) -> None:
    accounts = await _ids(seeded_pool, "accounts", 3)
    partners = await _ids(seeded_pool, "partners", 1)
    pins = (
        AccountPartner(accounts[0], partners[0]),
        AccountPartner(accounts[1], partners[0]),
        AccountPartner(accounts[2], 10**12),
    )
    params = ScenarioParameters(policy=Policy(pins=pins))
    with pytest.raises(Invalid) as err:
        await repository.create(seeded_pool, NewScenario("bad", "ann", parameters=params))
    assert (err.value.field, err.value.rule) == ("parameters.policy.pins[2].partner_id", "exists")
    assert await seeded_pool.fetchval("SELECT count(*) FROM scenarios") == 0


@pytest.mark.parametrize(
    ("build", "field", "rule"),
    [
        (lambda: ScenarioParameters(time_limit_s=0), "parameters.time_limit_s", "range"),
        (
            lambda: ScenarioParameters(policy=Policy(min_track_share=((Track.VALUE, 1.5),))),
            "parameters.policy.min_track_share[0].share",
            "rate_0_1",
        ),
        (
            lambda: ScenarioParameters(
                policy=Policy(pins=(AccountPartner(1, 2), AccountPartner(1, 3)))
            ),
            "parameters.policy.pins[1].account_id",
            "single_pin",
        ),
        (
            lambda: ScenarioParameters(partner_capacities=(CapacityOverride(1, -1),)),
            "parameters.partner_capacities[0].capacity",
            "non_negative",
        ),
        (lambda: Scope(account_ids=(4, 5, 4)), "parameters.scope.account_ids[2]", "distinct"),
        (lambda: NewScenario(" ", "ann"), "name", "required"),
    ],
)
def test_field_rules(build: object, field: str, rule: str) -> None:
    with pytest.raises(Invalid) as err:
        build()  # type: ignore[operator]
    assert (err.value.field, err.value.rule) == (field, rule)


async def test_update_only_while_draft_and_bumps_version(seeded_pool: asyncpg.Pool) -> None:
    s = await repository.create(seeded_pool, NewScenario("a", "ann"))
    changed = await repository.update(
        seeded_pool, s.id, ScenarioPatch(name="b", parameters=ScenarioParameters(time_limit_s=3))
    )
    assert (changed.name, changed.version, changed.parameters.time_limit_s) == ("b", 2, 3.0)
    await jobs.enqueue(seeded_pool, s.id)
    with pytest.raises(Conflict) as err:
        await repository.update(seeded_pool, s.id, ScenarioPatch(name="c"))
    assert err.value.field == "status"
    with pytest.raises(Conflict):
        await repository.delete(seeded_pool, s.id)


async def test_clone_archive_delete(seeded_pool: asyncpg.Pool) -> None:
    params = ScenarioParameters(time_limit_s=4)
    s = await repository.create(seeded_pool, NewScenario("base", "ann", parameters=params))
    copy = await repository.clone(seeded_pool, s.id, "bob")
    assert (copy.parent_id, copy.parameters, copy.created_by) == (s.id, params, "bob")
    assert copy.status is ScenarioStatus.DRAFT and copy.name == "base (copy)"
    archived = await repository.archive(seeded_pool, s.id)
    assert archived.status is ScenarioStatus.ARCHIVED
    with pytest.raises(Conflict):
        await repository.archive(seeded_pool, s.id)
    await repository.delete(seeded_pool, copy.id)
    with pytest.raises(NotFound):
        await repository.get(seeded_pool, copy.id)


async def test_list_newest_first_filters_and_keyset(seeded_pool: asyncpg.Pool) -> None:
    made = [
        await repository.create(seeded_pool, NewScenario(f"s{i}", "ann" if i % 2 else "bob"))
        for i in range(5)
    ]
    await jobs.enqueue(seeded_pool, made[0].id)
    page = await repository.list_page(seeded_pool, ScenarioFilter(), None, 2)
    assert [s.id for s in page.items] == [made[4].id, made[3].id] and page.has_next
    rest = await repository.list_page(seeded_pool, ScenarioFilter(), page.keys[-1], 10)
    assert [s.id for s in rest.items] == [made[2].id, made[1].id, made[0].id] and not rest.has_next
    anns = await repository.list_page(seeded_pool, ScenarioFilter(created_by="ann"), None, 10)
    assert [s.id for s in anns.items] == [made[3].id, made[1].id]
    queued = ScenarioFilter(status=ScenarioStatus.QUEUED)
    assert [s.id for s in (await repository.list_page(seeded_pool, queued, None, 10)).items] == [
        made[0].id
    ]
    assert await repository.count(seeded_pool, queued) == 1


async def test_enqueue_rolls_back_with_the_callers_transaction(seeded_pool: asyncpg.Pool) -> None:
    s = await repository.create(seeded_pool, NewScenario("a", "ann"))
    async with seeded_pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await jobs.enqueue_solve(conn, s.id)
        assert await conn.fetchval("SELECT count(*) FROM pgqueuer") == 1
        await tx.rollback()
    assert (await repository.get(seeded_pool, s.id)).status is ScenarioStatus.DRAFT
    assert await seeded_pool.fetchval("SELECT count(*) FROM pgqueuer") == 0


async def test_cancel_queued_removes_the_job(seeded_pool: asyncpg.Pool) -> None:
    s = await repository.create(seeded_pool, NewScenario("a", "ann"))
    queued = await jobs.enqueue(seeded_pool, s.id)
    assert queued.status is ScenarioStatus.QUEUED
    assert await seeded_pool.fetchval("SELECT count(*) FROM pgqueuer") == 1
    cancelled = await jobs.cancel(seeded_pool, s.id)
    assert cancelled.status is ScenarioStatus.CANCELLED
    assert await seeded_pool.fetchval("SELECT count(*) FROM pgqueuer") == 0
    with pytest.raises(Conflict):
        await jobs.cancel(seeded_pool, s.id)
    history = [t.to_status for t in await repository.transitions(seeded_pool, s.id)]
    assert history == [ScenarioStatus.DRAFT, ScenarioStatus.QUEUED, ScenarioStatus.CANCELLED]
