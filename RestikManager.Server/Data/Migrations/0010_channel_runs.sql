-- A channel is failing when its newest deliveries in a row were marked failed: counted from this index (the channel's
-- newest delivered message, then its failed ones after it), one seek per channel however long its history.
CREATE INDEX deliveries_finished_by_channel ON deliveries (channel_id, status);
