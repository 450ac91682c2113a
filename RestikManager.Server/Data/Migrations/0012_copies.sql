-- Second copies (issue 26): the repositories a plan's snapshots are copied to, and whether the verdict requires them.
ALTER TABLE plans ADD COLUMN copy_to TEXT NOT NULL DEFAULT '[]'; -- JSON array of repository ids
ALTER TABLE plans ADD COLUMN require_copy INTEGER NOT NULL DEFAULT 0;

-- Per plan and target: the newest finished copy and the newest successful one (the verdict's "copies current").
CREATE INDEX jobs_by_plan_target_finished_copy ON jobs (plan_id, repository_id, finished_at DESC)
    WHERE kind = 'copy' AND finished_at IS NOT NULL;
