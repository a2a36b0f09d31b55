"""Result queries: ``compareScenarios(baseId, otherId)``."""

from __future__ import annotations

import strawberry

from db.results.compare import compare
from db.scenarios import repository
from schema.common.errors import UserInputError, as_user_input
from schema.common.ids import decode_id
from schema.context import Info
from schema.results.comparison import ScenarioComparison


async def _solved(info: Info, id: strawberry.ID, argument: str) -> int:
    """The database id of a scenario that has a result; UserInputError naming ``argument``."""
    with as_user_input():
        db_id = decode_id(id, "Scenario", argument)
    (found,) = await repository.get_many(info.context.pool, [db_id])
    if found is None:
        raise UserInputError(
            f"Argument {argument}: scenario {id} does not exist", argument=argument, rule="exists"
        )
    if found.solver_status is None:
        raise UserInputError(
            f"Argument {argument}: scenario {id} has no result yet (it is {found.status.value})",
            argument=argument,
            rule="solved",
        )
    return db_id


@strawberry.type
class ResultQuery:
    @strawberry.field(description="Compare two solved scenarios: moves and KPI deltas.")
    async def compare_scenarios(
        self, info: Info, base_id: strawberry.ID, other_id: strawberry.ID
    ) -> ScenarioComparison:
        base = await _solved(info, base_id, "baseId")
        other = await _solved(info, other_id, "otherId")
        return ScenarioComparison.from_domain(await compare(info.context.pool, base, other))
