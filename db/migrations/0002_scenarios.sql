-- Planning scenarios, their solve results, and the live (published) allocation.
-- Expected revenue is money: integer cents, rounded from the solver's exact float value.

CREATE TABLE scenarios (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    kind            text NOT NULL DEFAULT 'PLAN' CHECK (kind IN ('PLAN', 'REPAIR')),
    status          text NOT NULL DEFAULT 'DRAFT' CHECK (status IN (
                        'DRAFT', 'QUEUED', 'SOLVING', 'SOLVED', 'PUBLISHED', 'ARCHIVED',
                        'FAILED', 'CANCELLED')),
    -- Scope, capacity overrides, policies and time limit, validated by the application.
    parameters      jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The scenario this one was cloned from, or the published one a repair works on.
    parent_id       bigint REFERENCES scenarios (id) ON DELETE SET NULL,
    created_by      text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
    version         integer NOT NULL DEFAULT 1,
    -- Solve outcome (NULL until solved).
    solver_status   text CHECK (solver_status IN ('OPTIMAL', 'FEASIBLE', 'INFEASIBLE', 'UNKNOWN')),
    objective_cents bigint,
    bound_cents     bigint,
    gap             double precision,
    runtime_s       double precision,
    stopped_early   boolean NOT NULL DEFAULT false,  -- cancelled: best allocation so far
    conflicts       text[] NOT NULL DEFAULT '{}',
    failure_reason  text,
    solve_stats     jsonb,                           -- phase timings and sizes
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scenarios_status_idx ON scenarios (status, id DESC);
CREATE INDEX scenarios_created_by_idx ON scenarios (created_by, id DESC);

CREATE TABLE scenario_transitions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scenario_id bigint NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    from_status text,
    to_status   text NOT NULL,
    detail      text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scenario_transitions_scenario_idx ON scenario_transitions (scenario_id, id);

CREATE TABLE scenario_assignments (
    scenario_id            bigint NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    account_id             bigint NOT NULL REFERENCES accounts (id),
    partner_id             bigint NOT NULL REFERENCES partners (id),
    specialist_ids         bigint[] NOT NULL DEFAULT '{}',
    expected_revenue_cents bigint NOT NULL CHECK (expected_revenue_cents >= 0),
    next_best_partner_id   bigint REFERENCES partners (id),
    regret_cents           bigint,
    PRIMARY KEY (scenario_id, account_id)
);
CREATE INDEX scenario_assignments_partner_idx ON scenario_assignments (scenario_id, partner_id);
CREATE INDEX scenario_assignments_revenue_idx
    ON scenario_assignments (scenario_id, expected_revenue_cents DESC, account_id DESC);

CREATE TABLE scenario_unassigned (
    scenario_id bigint NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    account_id  bigint NOT NULL REFERENCES accounts (id),
    reason      text NOT NULL CHECK (reason IN ('NO_ELIGIBLE_PARTNER', 'CAPACITY', 'NOT_WORTH_IT')),
    detail      text,
    PRIMARY KEY (scenario_id, account_id)
);

CREATE TABLE scenario_partner_loads (
    scenario_id  bigint NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    partner_id   bigint NOT NULL REFERENCES partners (id),
    load         double precision NOT NULL,
    capacity     double precision NOT NULL,
    shadow_price double precision,
    PRIMARY KEY (scenario_id, partner_id)
);

CREATE TABLE scenario_specialist_loads (
    scenario_id   bigint NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    specialist_id bigint NOT NULL REFERENCES specialists (id),
    load          integer NOT NULL,
    capacity      integer NOT NULL,
    shadow_price  double precision,
    PRIMARY KEY (scenario_id, specialist_id)
);

-- The live allocation: one row per account offered to a partner by a published scenario.
CREATE TABLE assignments (
    account_id             bigint PRIMARY KEY REFERENCES accounts (id),
    partner_id             bigint NOT NULL REFERENCES partners (id),
    specialist_ids         bigint[] NOT NULL DEFAULT '{}',
    scenario_id            bigint NOT NULL REFERENCES scenarios (id),
    expected_revenue_cents bigint NOT NULL CHECK (expected_revenue_cents >= 0),
    offer_status           text NOT NULL DEFAULT 'OFFERED'
                           CHECK (offer_status IN ('OFFERED', 'ACCEPTED', 'DECLINED', 'EXPIRED')),
    offered_at             timestamptz NOT NULL DEFAULT now(),
    responded_at           timestamptz,
    reason                 text CHECK (reason IS NULL OR length(reason) <= 2000),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assignments_partner_idx ON assignments (partner_id, account_id);
CREATE INDEX assignments_scenario_idx ON assignments (scenario_id);
CREATE INDEX assignments_status_idx ON assignments (offer_status, account_id);

-- Every offer ever made and how it ended, so that a repair never re-offers an account to a
-- partner that declined it.
CREATE TABLE offer_history (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    partner_id   bigint NOT NULL REFERENCES partners (id),
    scenario_id  bigint NOT NULL REFERENCES scenarios (id),
    offer_status text NOT NULL CHECK (offer_status IN ('OFFERED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'SUPERSEDED')),
    reason       text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offer_history_account_idx ON offer_history (account_id, partner_id);
