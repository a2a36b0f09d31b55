-- What the solve pipeline keeps on a scenario besides its result: the queue job that solves it,
-- a cancel request the worker polls, how many times a worker started it (a job whose worker
-- dies is re-run by the queue; we cap the re-runs ourselves), and the latest progress snapshot
-- so that a subscriber reads the current state first and then streams NOTIFY events.
ALTER TABLE scenarios
    ADD COLUMN job_id           bigint,
    ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false,
    ADD COLUMN solve_attempts   integer NOT NULL DEFAULT 0,
    ADD COLUMN progress         jsonb;
