import { z } from 'zod';
import { CHANNEL_KINDS, CHANNEL_MIN_IMPACTS } from '../domain/channels/model.ts';
import { urlRefusal } from '../http/address-policy.ts';
import { atMost, cleanLine, LINE_MESSAGE, showsSomething, trimInvisible } from '../domain/text.ts';
import { requiredText } from './required-text.ts';

/**
 * Channel input (`POST`/`PATCH /api/admin/channels`, the console's channels
 * page). The URL is checked here as the sender checks it before every post:
 * https only, and no private or metadata address unless ALLOW_PRIVATE_WEBHOOKS.
 */
const channelName = z
  .string(requiredText('name'))
  .refine(cleanLine, `name ${LINE_MESSAGE}`)
  .overwrite(trimInvisible)
  .refine(showsSomething, 'name must not be empty')
  .max(100, atMost('name', 100));

const channelUrl = (allowPrivate: boolean) =>
  z
    .string(requiredText('url'))
    // Before trimming, as for the names: a NUL or a lone surrogate is refused, not stored (URL parsing lets some through).
    .refine(cleanLine, `url ${LINE_MESSAGE}`)
    .trim()
    .max(2000, atMost('url', 2000))
    .superRefine((v, ctx) => {
      const refusal = urlRefusal(v, allowPrivate);
      if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
    });

const fields = (allowPrivate: boolean) => ({
  name: channelName,
  url: channelUrl(allowPrivate),
  components: z.array(z.string().max(60), { error: 'components must be a list of component ids' }).max(500).optional(),
  min_impact: z
    .enum(CHANNEL_MIN_IMPACTS, { error: `min_impact must be one of ${CHANNEL_MIN_IMPACTS.join(', ')} or null` })
    .nullable()
    .optional(),
});

export const channelCreateSchema = (allowPrivate: boolean) =>
  z.strictObject({
    kind: z.enum(CHANNEL_KINDS, { error: `kind must be one of ${CHANNEL_KINDS.join(', ')}` }),
    ...fields(allowPrivate),
  });

export const channelPatchSchema = (allowPrivate: boolean) => z.strictObject(fields(allowPrivate)).partial();
