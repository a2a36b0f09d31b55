-- A solve's result is stored with one COPY per table (db/scenarios/store.py). Row-level foreign
-- keys made PostgreSQL run one referential check per row: at 50,000 accounts that was about
-- most of the store's time (about 1 of 1.6 s), which sits between a cancelSolve and the kept
-- allocation being readable. The two tables with one row per account now have their references
-- checked per statement instead:
--   * on write, store() locks the scenario row first (so it exists until the commit) and checks
--     the account and partner ids of the whole result in one query before its commit;
--   * deleting scenarios deletes their result rows (statement trigger: the former CASCADE);
--   * an account cannot be deleted while a result row names it (statement trigger below);
--   * a partner cannot be deleted while a result names it: every partner of a solve has a row
--     in scenario_partner_loads, whose foreign key stays.
ALTER TABLE scenario_assignments
    DROP CONSTRAINT scenario_assignments_scenario_id_fkey,
    DROP CONSTRAINT scenario_assignments_account_id_fkey,
    DROP CONSTRAINT scenario_assignments_partner_id_fkey,
    DROP CONSTRAINT scenario_assignments_next_best_partner_id_fkey;
ALTER TABLE scenario_unassigned
    DROP CONSTRAINT scenario_unassigned_scenario_id_fkey,
    DROP CONSTRAINT scenario_unassigned_account_id_fkey;

CREATE FUNCTION delete_results_of_deleted_scenarios() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM scenario_assignments WHERE scenario_id IN (SELECT id FROM old_scenarios);
    DELETE FROM scenario_unassigned WHERE scenario_id IN (SELECT id FROM old_scenarios);
    RETURN NULL;
END $$;

CREATE TRIGGER scenarios_delete_results AFTER DELETE ON scenarios
    REFERENCING OLD TABLE AS old_scenarios
    FOR EACH STATEMENT EXECUTE FUNCTION delete_results_of_deleted_scenarios();

CREATE FUNCTION refuse_delete_of_result_accounts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    named bigint;
BEGIN
    SELECT o.id INTO named FROM old_accounts o
     WHERE EXISTS (SELECT 1 FROM scenario_assignments r WHERE r.account_id = o.id)
        OR EXISTS (SELECT 1 FROM scenario_unassigned r WHERE r.account_id = o.id)
     LIMIT 1;
    IF named IS NOT NULL THEN
        RAISE EXCEPTION 'account % is named by a scenario result', named
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER accounts_named_by_results AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS old_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete_of_result_accounts();
