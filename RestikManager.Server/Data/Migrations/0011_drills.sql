-- Restore drills (issue 26): a plan's drill schedule, the host that restores (NULL: each source host itself), the sample,
-- the window within which a passing drill is required (NULL: not required), and the check's --read-data-subset.
ALTER TABLE plans ADD COLUMN drill_schedule TEXT;
ALTER TABLE plans ADD COLUMN drill_host TEXT;
ALTER TABLE plans ADD COLUMN drill_files INTEGER NOT NULL DEFAULT 50;
ALTER TABLE plans ADD COLUMN drill_max_bytes INTEGER NOT NULL DEFAULT 268435456;
ALTER TABLE plans ADD COLUMN require_drill_within_days INTEGER;
ALTER TABLE plans ADD COLUMN check_read_data TEXT;

-- The host a job is about when another host runs it: a drill's source host, whose snapshot it restores.
ALTER TABLE jobs ADD COLUMN subject_agent_id TEXT;

-- The verdict reads, per host and plan, the newest finished drill of that host's data and the newest passing one.
CREATE INDEX jobs_by_subject_plan_finished_drill ON jobs (subject_agent_id, plan_id, finished_at DESC)
    WHERE kind = 'drill' AND finished_at IS NOT NULL;
