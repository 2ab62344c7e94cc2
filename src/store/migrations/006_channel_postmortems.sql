-- Since when the channel outbox plans postmortem messages to Slack and Teams
-- (src/store/channels/ledger.ts, postmortemsFrom): set by the first Herald
-- that plans them, so that one deployed on an outbox kept by an older Herald
-- does not post, late, the postmortems published before it.
ALTER TABLE channel_outbox ADD COLUMN postmortems_from text;
