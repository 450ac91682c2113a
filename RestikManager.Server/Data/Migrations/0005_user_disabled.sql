-- A disabled account cannot sign in or use its API tokens; it is kept (with its audit trail) and can be enabled again.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
