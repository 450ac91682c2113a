-- Alerts: where notifications go (channels; their URLs, tokens and passwords live only in secrets.enc under
-- channel/<id>/<field>), what is watched (rules), what was found (incidents) and the durable outbox (deliveries).
CREATE TABLE notification_channels (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind       TEXT NOT NULL,
    settings   TEXT NOT NULL, -- JSON: the kind's fields that are not secret
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE alert_rules (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE COLLATE NOCASE,
    events                TEXT NOT NULL, -- JSON array of event names
    plans                 TEXT NOT NULL, -- JSON array of plan ids (empty: every plan)
    hosts                 TEXT NOT NULL, -- JSON array of agent ids (empty: every host)
    labels                TEXT NOT NULL, -- JSON array of host labels (empty: every label)
    channels              TEXT NOT NULL, -- JSON array of channel ids
    offline_after_minutes INTEGER NOT NULL,
    overdue_grace_minutes INTEGER NOT NULL,
    remind_every_minutes  INTEGER,
    enabled               INTEGER NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

-- One firing incident per rule, event and subject (a host, a host's plan, a repository): it fires once and resolves once.
CREATE TABLE incidents (
    id               TEXT PRIMARY KEY,
    rule_id          TEXT NOT NULL,
    rule_name        TEXT NOT NULL,
    event            TEXT NOT NULL,
    subject          TEXT NOT NULL,
    agent_id         TEXT,
    plan_id          TEXT,
    repository_id    TEXT,
    job_id           TEXT,
    message          TEXT NOT NULL,
    state            TEXT NOT NULL, -- firing | resolved
    fired_at         TEXT NOT NULL,
    resolved_at      TEXT,
    last_notified_at TEXT NOT NULL,
    reminders        INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX incidents_one_firing ON incidents (rule_id, event, subject) WHERE state = 'firing';
CREATE INDEX incidents_by_fired ON incidents (fired_at DESC);

-- The outbox: written in the same transaction as the incident change it announces, sent by the delivery worker.
-- (incident, channel, state, sequence) is unique: a message is queued once; sequence counts reminders.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    incident_id     TEXT,          -- null for a channel test or a healthchecks ping
    channel_id      TEXT NOT NULL,
    state           TEXT NOT NULL, -- firing | resolved | test | ping
    sequence        INTEGER NOT NULL DEFAULT 0,
    payload         TEXT NOT NULL, -- JSON: the message (the webhook body); never a secret
    status          TEXT NOT NULL, -- pending | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE UNIQUE INDEX deliveries_once ON deliveries (incident_id, channel_id, state, sequence) WHERE incident_id IS NOT NULL;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_incident ON deliveries (incident_id);
CREATE INDEX deliveries_by_channel ON deliveries (channel_id, created_at DESC);

-- Repository health (check_failed, prune_failed): the newest finished job of a kind per repository is one index seek.
CREATE INDEX jobs_by_repository_kind_finished ON jobs (repository_id, kind, finished_at DESC) WHERE finished_at IS NOT NULL;
