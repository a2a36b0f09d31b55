-- Row-level security: the second line of defence of the partner portal. Partner requests run
-- their reads under the role allot_partner (SET LOCAL ROLE, db/rls.py) with the partner's id in
-- the transaction setting app.partner_id; that role sees only its partner, the live
-- assignments of its partner and the accounts (and their wallets) behind them. Every other role
-- (the service's own, table owners) sees all rows, as before: RLS is not FORCEd.

DO $$
BEGIN
    CREATE ROLE allot_partner NOLOGIN NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- roles are per cluster: another database (or a concurrent migration) made it
END
$$;

-- The service's login role must be able to SET ROLE allot_partner.
DO $$
BEGIN
    EXECUTE format('GRANT allot_partner TO %I', current_user);
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- The partner of the current transaction; NULL (no rows) when unset.
CREATE FUNCTION app_partner_id() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('app.partner_id', true), '')::bigint
$$;

GRANT SELECT ON partners, assignments, accounts, account_wallets, territories, product_lines,
    specialists TO allot_partner;
GRANT EXECUTE ON FUNCTION app_partner_id() TO allot_partner;

ALTER TABLE partners ENABLE ROW LEVEL SECURITY;
ALTER TABLE assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_wallets ENABLE ROW LEVEL SECURITY;

-- Roles other than allot_partner keep seeing every row.
CREATE POLICY service_all ON partners USING (current_user <> 'allot_partner');
CREATE POLICY service_all ON assignments USING (current_user <> 'allot_partner');
CREATE POLICY service_all ON accounts USING (current_user <> 'allot_partner');
CREATE POLICY service_all ON account_wallets USING (current_user <> 'allot_partner');

CREATE POLICY partner_own ON partners FOR SELECT TO allot_partner
    USING (id = app_partner_id());
CREATE POLICY partner_own ON assignments FOR SELECT TO allot_partner
    USING (partner_id = app_partner_id());
CREATE POLICY partner_offered ON accounts FOR SELECT TO allot_partner
    USING (id IN (SELECT account_id FROM assignments WHERE partner_id = app_partner_id()));
CREATE POLICY partner_offered ON account_wallets FOR SELECT TO allot_partner
    USING (account_id IN (SELECT account_id FROM assignments WHERE partner_id = app_partner_id()));
