-- Repositories, plans, jobs and the snapshot cache. Repository passwords and backend credentials are not here:
-- they live only in secrets.enc, under the names repository/<id>/<VARIABLE>.
CREATE TABLE repositories (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    url        TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE plans (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE COLLATE NOCASE,
    repository_id    TEXT NOT NULL REFERENCES repositories (id),
    hosts            TEXT NOT NULL, -- JSON array of agent ids
    labels           TEXT NOT NULL, -- JSON array of host labels
    paths            TEXT NOT NULL, -- JSON array
    excludes         TEXT NOT NULL, -- JSON array
    tags             TEXT NOT NULL, -- JSON array
    schedule         TEXT NOT NULL,
    time_zone        TEXT NOT NULL,
    retention        TEXT NOT NULL, -- JSON object
    forget_schedule  TEXT,
    check_schedule   TEXT,
    limit_upload     INTEGER,
    limit_download   INTEGER,
    enabled          INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    repository_id TEXT NOT NULL,
    plan_id       TEXT,
    agent_id      TEXT NOT NULL,
    trigger       TEXT NOT NULL,
    status        TEXT NOT NULL,
    spec          TEXT,          -- the JobSpec without secrets, for queued jobs
    created_at    TEXT NOT NULL,
    dispatched_at TEXT,
    started_at    TEXT,
    finished_at   TEXT,
    exit_code     INTEGER,
    error_class   TEXT,
    error         TEXT,
    snapshot_id   TEXT,
    summary       TEXT           -- JSON: backup or forget figures
);
CREATE INDEX jobs_by_created ON jobs (created_at DESC);
CREATE INDEX jobs_by_plan ON jobs (plan_id, created_at DESC);
CREATE INDEX jobs_by_repository_status ON jobs (repository_id, status);
CREATE INDEX jobs_by_agent_status ON jobs (agent_id, status);

CREATE TABLE snapshots (
    repository_id TEXT NOT NULL,
    id            TEXT NOT NULL,
    short_id      TEXT NOT NULL,
    time          TEXT NOT NULL,
    hostname      TEXT NOT NULL,
    paths         TEXT NOT NULL, -- JSON array
    tags          TEXT NOT NULL, -- JSON array
    plan_id       TEXT,
    PRIMARY KEY (repository_id, id)
);

CREATE TABLE snapshot_refreshes (
    repository_id TEXT PRIMARY KEY,
    refreshed_at  TEXT NOT NULL,
    error         TEXT
);
