-- When a subscriber's address was suppressed (it hard-bounced): a new subscribe request lifts the
-- suppression only a cool-down after it (src/store/mail/model.ts, SUPPRESSION_COOL_DOWN_MS). Rows
-- suppressed before this column existed count from their last change, which came at or after the bounce.
ALTER TABLE mail_subscribers ADD COLUMN suppressed_at timestamptz;
UPDATE mail_subscribers SET suppressed_at = updated_at WHERE suppressed IS NOT NULL;
