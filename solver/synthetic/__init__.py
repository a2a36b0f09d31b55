"""A deterministic synthetic channel: one generator behind `allot seed` and `allot gen-problem`.

The structure imitates a hardware vendor's channel: most partners are local to one territory
and a few serve a whole region; each track is strong in its typical product lines; account
sizes are heavy-tailed; about a third of the accounts have an incumbent partner; tiers follow
capacity; and partner capacity is well below the workload of the accounts, so that choosing
matters. The same `SyntheticChannel` is written to PostgreSQL by `db.seed` and turned into an
``allot-problem/1`` dict by `channel_to_problem`.
"""

from solver.synthetic.generate import generate_channel
from solver.synthetic.problem import channel_policy, channel_to_problem, empty_policy
from solver.synthetic.specs import (
    AccountSpec,
    PartnerSpec,
    ProductLineSpec,
    SpecialistSpec,
    SyntheticChannel,
    TerritorySpec,
)
from solver.synthetic.vocabulary import LINE_CODES, PRODUCT_LINES, SEGMENTS, TIERS, TRACKS

__all__ = [
    "LINE_CODES",
    "PRODUCT_LINES",
    "SEGMENTS",
    "TIERS",
    "TRACKS",
    "AccountSpec",
    "PartnerSpec",
    "ProductLineSpec",
    "SpecialistSpec",
    "SyntheticChannel",
    "TerritorySpec",
    "channel_policy",
    "channel_to_problem",
    "empty_policy",
    "generate_channel",
]
