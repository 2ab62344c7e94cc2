-- Which replica (host:pid) last claimed a queued channel post (src/store/channels/pg-ledger.ts, claim), cleared
-- when it records the outcome. A new leader posts at once what a gone replica (no connection left: its process
-- died) had claimed, instead of waiting for the claim's mark to pass. Rows claimed before this column existed
-- have none: their marks are waited for, as before.
ALTER TABLE channel_deliveries ADD COLUMN claimant text;
