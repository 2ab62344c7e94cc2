import { z } from 'zod';

/** Longest address SMTP allows in a path (RFC 5321 §4.5.3.1.3). */
export const MAX_EMAIL = 254;
/** Longest local part (before the @) SMTP allows (RFC 5321 §4.5.3.1.1). */
export const MAX_LOCAL_PART = 64;

/**
 * The subscribe request. CR and LF are refused outright (before any
 * trimming) so no address can smuggle a header into a message; zod checks the
 * syntax; components must be known ids (checked by the caller against the data).
 */
export const subscribeSchema = z.strictObject({
  email: z
    .string({ error: 'email is required' })
    .max(MAX_EMAIL, `email must be at most ${MAX_EMAIL} characters`)
    .refine((v) => !/[\r\n\u0000]/.test(v), 'email must not contain line breaks')
    .transform((v) => v.trim())
    .pipe(z.email({ error: 'email is not a valid address' }))
    .refine((v) => v.lastIndexOf('@') <= MAX_LOCAL_PART, `the part before the @ must be at most ${MAX_LOCAL_PART} characters`),
  components: z.array(z.string().max(60)).max(200).default([]),
});
export type SubscribeInput = z.infer<typeof subscribeSchema>;
