-- The channel master data: product lines, territories, partners, accounts, wallets, specialists.
-- Money is integer cents (bigint); rates are numeric in [0, 1]; enums are text with CHECKs so
-- that adding a value is a one-line migration.

CREATE TABLE product_lines (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          text NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9_]{0,31}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    business_unit text NOT NULL CHECK (business_unit IN ('PSG', 'IPG', 'TSG'))
);

CREATE TABLE territories (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code   text NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9_-]{0,31}$'),
    name   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    region text NOT NULL CHECK (length(region) BETWEEN 1 AND 100)
);

CREATE TABLE partners (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    track      text NOT NULL CHECK (track IN ('VOLUME', 'VALUE', 'ALLIANCE', 'OEM')),
    tier       text NOT NULL CHECK (tier IN ('SILVER', 'GOLD', 'PLATINUM')),
    capacity   integer NOT NULL CHECK (capacity >= 0),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX partners_name_key ON partners (lower(name));
CREATE INDEX partners_track_tier_idx ON partners (track, tier);

CREATE TABLE partner_territories (
    partner_id   bigint NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    territory_id bigint NOT NULL REFERENCES territories (id),
    PRIMARY KEY (partner_id, territory_id)
);
CREATE INDEX partner_territories_territory_idx ON partner_territories (territory_id, partner_id);

CREATE TABLE partner_competencies (
    partner_id      bigint NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    product_line_id bigint NOT NULL REFERENCES product_lines (id),
    attach_rate     numeric(5, 4) NOT NULL CHECK (attach_rate BETWEEN 0 AND 1),
    PRIMARY KEY (partner_id, product_line_id)
);
CREATE INDEX partner_competencies_line_idx
    ON partner_competencies (product_line_id, attach_rate, partner_id);

CREATE TABLE accounts (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_ref         text NOT NULL UNIQUE CHECK (length(external_ref) BETWEEN 1 AND 64),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    territory_id         bigint NOT NULL REFERENCES territories (id),
    segment              text NOT NULL CHECK (segment IN ('SMB', 'MID_MARKET', 'ENTERPRISE')),
    workload             integer NOT NULL CHECK (workload > 0),
    coverage             text NOT NULL CHECK (coverage IN ('NAMED', 'UNNAMED')),
    incumbent_partner_id bigint REFERENCES partners (id),
    -- Sum of the wallets' whitespace, kept by the triggers below so that accounts can be
    -- ordered and paged by it with an index.
    total_whitespace     bigint NOT NULL DEFAULT 0 CHECK (total_whitespace >= 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_territory_idx ON accounts (territory_id, id);
CREATE INDEX accounts_coverage_idx ON accounts (coverage, id);
CREATE INDEX accounts_incumbent_idx ON accounts (incumbent_partner_id) WHERE incumbent_partner_id IS NOT NULL;
CREATE INDEX accounts_whitespace_idx ON accounts (total_whitespace DESC, id DESC);
CREATE INDEX accounts_name_idx ON accounts (lower(name), id);

CREATE TABLE account_wallets (
    account_id       bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    product_line_id  bigint NOT NULL REFERENCES product_lines (id),
    wallet_cents     bigint NOT NULL CHECK (wallet_cents >= 0),
    spend_cents      bigint NOT NULL CHECK (spend_cents >= 0),
    whitespace_cents bigint GENERATED ALWAYS AS (greatest(wallet_cents - spend_cents, 0)) STORED,
    PRIMARY KEY (account_id, product_line_id)
);
CREATE INDEX account_wallets_line_idx
    ON account_wallets (product_line_id, whitespace_cents, account_id);

CREATE TABLE specialists (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email           text CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254),
    territory_id    bigint NOT NULL REFERENCES territories (id),
    product_line_id bigint NOT NULL REFERENCES product_lines (id),
    capacity        integer NOT NULL CHECK (capacity >= 0),
    lift            numeric(5, 4) NOT NULL CHECK (lift BETWEEN 0 AND 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX specialists_territory_idx ON specialists (territory_id, product_line_id, id);
CREATE INDEX specialists_line_idx ON specialists (product_line_id, id);

-- Keep accounts.total_whitespace equal to the sum of its wallets' whitespace. Statement-level
-- triggers with transition tables: one UPDATE per statement, so bulk COPY stays fast.
CREATE FUNCTION refresh_total_whitespace() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE accounts a
           SET total_whitespace = coalesce(
                   (SELECT sum(w.whitespace_cents) FROM account_wallets w WHERE w.account_id = a.id), 0)
         WHERE a.id IN (SELECT DISTINCT account_id FROM new_rows);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE accounts a
           SET total_whitespace = coalesce(
                   (SELECT sum(w.whitespace_cents) FROM account_wallets w WHERE w.account_id = a.id), 0)
         WHERE a.id IN (SELECT DISTINCT account_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER account_wallets_total_ins AFTER INSERT ON account_wallets
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_total_whitespace();
CREATE TRIGGER account_wallets_total_upd AFTER UPDATE ON account_wallets
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_total_whitespace();
CREATE TRIGGER account_wallets_total_del AFTER DELETE ON account_wallets
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_total_whitespace();
