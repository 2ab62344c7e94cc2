/**
 * A delivery's `webhook-id`: its id with `_` for `.`, the same on every retry. Standard Webhooks keeps dots out
 * of ids, as the signed content is `<id>.<timestamp>.<body>`. The console and the admin API name a failed
 * message by it too, so an operator and a receiver's owner speak of one id.
 */
export const webhookId = (deliveryId: string): string => deliveryId.replaceAll('.', '_');
