-- Per channel, the posts sent whose rows a compaction deleted (src/store/channels/pg-ledger.ts, compactIfWorthIt):
-- a channel's sent count is these and the sent rows still kept, so it never drops at a replica's start, and reads
-- the same on the leader and on every other replica. Counts from before this table existed are lost with their rows.
CREATE TABLE channel_sent_before (
  channel text PRIMARY KEY,
  sent bigint NOT NULL
);
