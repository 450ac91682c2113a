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
