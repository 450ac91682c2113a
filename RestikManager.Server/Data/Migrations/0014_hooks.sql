-- Hooks and database sources (issue 27): what a plan names from its hosts' allowlists, what each host allows, what ran.
ALTER TABLE plans ADD COLUMN hooks TEXT NOT NULL DEFAULT '{}';      -- JSON {before, after, onFailure, finally}: allowlist names
ALTER TABLE plans ADD COLUMN continue_on_error INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN databases TEXT NOT NULL DEFAULT '[]';  -- JSON array of allowlist names
ALTER TABLE plans ADD COLUMN use_fs_snapshot INTEGER NOT NULL DEFAULT 0;

-- The host's allowlist as its agent last reported it (JSON [{name, kind, problem}]); NULL: an agent older than hooks.
ALTER TABLE agents ADD COLUMN allowlist TEXT;

-- A job's hook runs and database dumps (JSON arrays), as its result said.
ALTER TABLE jobs ADD COLUMN hooks TEXT;
ALTER TABLE jobs ADD COLUMN dumps TEXT;
