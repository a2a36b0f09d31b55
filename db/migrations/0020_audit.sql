-- Audit log: one row per executed mutation field (who, what, when, result). Append-only.
-- Numbered 0020 so that the feature migrations being written in parallel (0005...) keep
-- their numbers; migrations apply in version order, once each.

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    subject        text NOT NULL CHECK (subject <> ''),
    role           text CHECK (role IN ('ADMIN', 'PLANNER', 'PARTNER', 'VIEWER')),
    partner_id     bigint,
    operation_name text,
    mutation       text NOT NULL CHECK (mutation <> ''),
    arguments      jsonb NOT NULL DEFAULT '{}'::jsonb,
    result         text NOT NULL,
    error          text
);

COMMENT ON TABLE audit_log IS
    'Every mutation: subject and role of the caller, mutation field and arguments (secrets '
    'redacted), payload typename or ERROR. Rows are never updated or deleted.';

CREATE INDEX audit_log_subject ON audit_log (subject, id DESC);
CREATE INDEX audit_log_mutation ON audit_log (mutation, id DESC);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
