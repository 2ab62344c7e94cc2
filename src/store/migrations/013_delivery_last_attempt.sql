-- When each delivery was last tried (sent, refused, or found unsendable): a failed delivery says when it failed,
-- in GET /api/admin/deliveries and on the console's deliveries page (src/store/mail/model.ts, last_attempt_at).
-- Rows from before this column have none: their last attempt is not known.
ALTER TABLE mail_deliveries ADD COLUMN last_attempt_at timestamptz;
