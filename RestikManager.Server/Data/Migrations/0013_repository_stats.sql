-- Repository size over time (issue 26): restic stats taken after backups, forgets, prunes and copies, at most once per
-- Stats:Every per repository. Kept per repository, oldest removed past Stats:Keep readings.
CREATE TABLE repository_stats (
    repository_id     TEXT NOT NULL,
    taken_at          TEXT NOT NULL,
    total_size        INTEGER NOT NULL, -- restic stats --mode restore-size
    raw_size          INTEGER NOT NULL, -- restic stats --mode raw-data
    compression_ratio REAL,             -- repository format v2 only
    snapshot_count    INTEGER NOT NULL,
    PRIMARY KEY (repository_id, taken_at)
);
