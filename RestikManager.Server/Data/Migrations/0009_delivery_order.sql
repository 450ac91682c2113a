-- Each channel hears its messages in the order they were queued (a healthchecks /start before its success, a firing
-- before its resolved): the outbox sends a channel's oldest pending delivery first, found through this index.
CREATE INDEX deliveries_pending_by_channel ON deliveries (channel_id) WHERE status = 'pending';
