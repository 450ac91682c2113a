-- Where each host's restic comes from, as its agent said in its last hello: configured (--restic), server (the one
-- this server provides, downloaded and verified) or path (the host's own, found on PATH).
ALTER TABLE agents ADD COLUMN restic_source TEXT;
