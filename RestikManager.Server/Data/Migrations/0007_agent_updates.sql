-- Agent self-update: the fleet's policy (one row) and, per host, the update it was last offered and how that went.
CREATE TABLE agent_update_policy (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    mode           TEXT    NOT NULL, -- automatic | manual | off
    canary_percent INTEGER NOT NULL, -- share of the fleet updated first (0 to 100)
    canary_label   TEXT,             -- or: the hosts with this label go first
    paused_reason  TEXT,             -- an automatic rollout stopped itself (a host did not come back); cleared by resume
    updated_at     TEXT    NOT NULL
);

INSERT INTO agent_update_policy (id, mode, canary_percent, updated_at)
VALUES (1, 'automatic', 10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

ALTER TABLE agents ADD COLUMN update_version TEXT; -- the agent version last offered to this host
ALTER TABLE agents ADD COLUMN update_state   TEXT; -- sent | done | failed
ALTER TABLE agents ADD COLUMN update_error   TEXT; -- why it failed (the agent's own words, or "did not come back")
ALTER TABLE agents ADD COLUMN update_at      TEXT; -- when the state was set
