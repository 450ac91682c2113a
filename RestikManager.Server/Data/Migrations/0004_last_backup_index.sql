-- The dashboard shows, per host and plan, the newest finished backup and the newest successful one: an index lookup
-- each, instead of a scan of the whole job history on every page load.
CREATE INDEX jobs_by_agent_plan_finished_backup ON jobs (agent_id, plan_id, finished_at DESC)
    WHERE kind = 'backup' AND finished_at IS NOT NULL;
