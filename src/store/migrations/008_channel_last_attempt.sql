-- When each channel post was last tried: a channel's last error (shown until a post to it succeeds) is read
-- from the outbox, the same after a restart and on every replica (src/store/channels/ledger.ts, lastErrorOf).
-- Rows from before this column have none, and count for nothing there.
ALTER TABLE channel_deliveries ADD COLUMN last_attempt_at text;
