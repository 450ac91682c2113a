-- Server replicas (PostgreSQL, issue 28): each running server and when it last said it was alive, and which replica
-- holds each agent's connection. A single server on SQLite has the tables and never writes them.
CREATE TABLE replicas (
    id         TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    seen_at    TEXT NOT NULL
);

CREATE TABLE agent_sessions (
    agent_id      TEXT PRIMARY KEY,
    replica_id    TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    connected_at  TEXT NOT NULL
);
CREATE INDEX agent_sessions_by_replica ON agent_sessions (replica_id);

-- The answer to a read-only query (a snapshot list, a directory page) asked on one replica of an agent held by
-- another: the holder writes it here and says so; the asker reads and removes it.
CREATE TABLE query_answers (
    query_id   TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
