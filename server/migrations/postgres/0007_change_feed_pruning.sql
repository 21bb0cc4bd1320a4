-- The sweep forgets changes older than an hour. Without an index on their time that was a scan
-- of the whole feed inside a write transaction every 20 seconds, holding up every writer for
-- longer as the feed grew under load.
CREATE INDEX asapchange_at ON asapchange (at);
