import { POSITION_MAX } from '../domain/component-schema.ts';
import { z } from 'zod';
import { COMPONENT_STATUSES, IMPACTS } from '../domain/status.ts';
import { UPDATE_STATUSES } from '../domain/incidents/lifecycle.ts';
import { atMost, cleanLine, cleanText, LINE_MESSAGE, showsSomething, textProblem, trimInvisible } from '../domain/text.ts';
import { MAX_MARKDOWN_DEPTH, markdownDepth } from '../render/markdown.ts';
import { requiredText } from './required-text.ts';

/**
 * What the Comms Lead may send, as zod schemas: the admin JSON API and the
 * console's forms both validate with these (the console turns its form
 * strings into the same shapes first). Unknown keys are refused so typos
 * fail loudly.
 */
export const LIMITS = { name: 200, body: 20_000, description: 1_000, told: 2_000 } as const;

// Every process must be able to read back what one saved (see MAX_MARKDOWN_DEPTH).
const shallowEnough = (v: string) => markdownDepth(v) <= MAX_MARKDOWN_DEPTH;
const TOO_DEEP = `body nests quotes, lists or emphasis too deeply (more than ${MAX_MARKDOWN_DEPTH} levels)`;
/**
 * Every line break as `\n`: browsers send a textarea's as CR LF (the HTML form encoding) and API clients on
 * Windows often do too; stored as sent, one update would carry "\r\n" where the templates, the feeds and
 * every other update have "\n" (and a correction saved unchanged would differ from the text it keeps).
 */
const lineFeeds = (v: string) => v.replace(/\r\n?/g, '\n');

// Control characters are refused before trimming: a trailing one is refused, not quietly cut.
export const name = z
  .string(requiredText('name'))
  .refine(cleanLine, `name ${LINE_MESSAGE}`)
  .overwrite(trimInvisible)
  .refine(showsSomething, 'name must not be empty')
  .max(LIMITS.name, atMost('name', LIMITS.name));
/** A Markdown body of at most `max` characters (`missing`: the error when it is absent or not text). */
const markdownBody = (max: number, missing: { error: (issue: { input?: unknown }) => string }) =>
  z
    .string(missing)
    .refine(cleanText, { error: (issue) => `body ${textProblem(String(issue.input))}` })
    .overwrite(lineFeeds)
    .trim()
    .refine(showsSomething, { message: 'body must not be empty', abort: true })
    // abort: a text over the limit is refused for its length alone, not read by marked (slower than linear on some text).
    .max(max, { ...atMost('body', max), abort: true })
    .refine(shallowEnough, TOO_DEEP);
export const body = markdownBody(LIMITS.body, requiredText('body'));
/** A short one-line text (a description, a group name). */
const line = (max: number, label: string) => z.string().max(max, atMost(label, max)).refine(cleanLine, LINE_MESSAGE);
/** A named one-line text (a commander, a war room): trimmed, not empty. */
const shortLine = (label: string, max: number) =>
  z
    .string({ error: `${label} must be text` })
    .refine(cleanLine, `${label} ${LINE_MESSAGE}`)
    .trim()
    .min(1, `${label} must not be empty (leave it out instead)`)
    .max(max, atMost(label, max));
const componentStatus = z.enum(COMPONENT_STATUSES, {
  error: `must be one of ${COMPONENT_STATUSES.join(', ')}`,
});
/** An update's change of a component: a status, or null to take it off the incident (domain/incidents/take-off.ts). */
const componentChange = z
  .enum(COMPONENT_STATUSES, { error: `must be one of ${COMPONENT_STATUSES.join(', ')}, or null to take it off the incident` })
  .nullable();
// Within the years a four-digit ISO date can name in UTC: year 1 made a history month "January 0" linking
// to ?month=-1-12, and 9999-12-31T23:00:00-05:00 was stored as +010000-01-01.
const yearInRange = (s: string) => {
  const year = new Date(s).getUTCFullYear();
  return year >= 1970 && year <= 9999;
};
/**
 * An instant with a zone, stored as UTC ISO (`…Z`) whatever offset it was sent
 * with: stored times sort as strings, so they must all be written alike.
 */
const INSTANT_MESSAGE = 'must be an ISO 8601 date-time with a zone, e.g. 2026-11-30T02:00:00Z or 2026-11-30T03:00+01:00';
const toTheSecond = z.iso.datetime({ offset: true });
// ISO 8601 lets seconds be left out, and people typing an instant by hand often do.
const toTheMinute = z.iso.datetime({ offset: true, precision: -1 });
export const instant = z
  .string({ error: INSTANT_MESSAGE })
  .refine((s) => toTheSecond.safeParse(s).success || toTheMinute.safeParse(s).success, INSTANT_MESSAGE)
  .refine(yearInRange, 'must be between the years 1970 and 9999 (in UTC)')
  .transform((s) => new Date(s).toISOString());

/** A place on the page: components and groups, lowest first. */
const position = z
  .number({ error: 'position must be a number' })
  .int('position must be a whole number')
  .min(0, 'position must be 0 or more')
  .max(POSITION_MAX, `position must be at most ${POSITION_MAX}`);

export const componentCreateSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,59}$/, 'id must be lowercase letters, digits and dashes (max 60)')
    .optional(),
  name,
  description: line(LIMITS.description, 'description').nullable().optional(),
  // Cut as a name is: "API\u200b" is the group "API", and one drawn as nothing no group.
  group: line(LIMITS.name, 'group').overwrite(trimInvisible).nullable().optional(),
  status: componentStatus.optional(),
  position: position.optional(),
});

export const componentPatchSchema = componentCreateSchema.omit({ id: true }).partial();

/** A group's new name or place on the page. */
export const groupPatchSchema = z.strictObject({ name: name.optional(), position: position.optional() });

/** When the incident is expected to be resolved: an instant, or null when not known (clears an earlier estimate). */
const eta = instant.nullable().optional();

/** What happened, in a sentence or a short paragraph for customers (plain text; line breaks kept). */
const told = (label: string) =>
  z
    .string({ error: `${label} must be text` })
    .refine(cleanText, { error: (issue) => `${label} ${textProblem(String(issue.input))}` })
    .overwrite(lineFeeds)
    .trim()
    .min(1, `${label} must not be empty (leave it out instead)`)
    .max(LIMITS.told, atMost(label, LIMITS.told))
    .optional();

export const incidentCreateSchema = z
  .strictObject({
    name,
    /** A level id of the settings' severity scheme (GET /api/admin/settings). */
    severity: z.string().max(30).optional(),
    /** Or the Statuspage impact alone: the first (most severe) level with it. */
    impact: z.enum(IMPACTS, { error: `impact must be one of ${IMPACTS.join(', ')}` }).optional(),
    status: z.enum(UPDATE_STATUSES, { error: `status must be one of ${UPDATE_STATUSES.join(', ')}` }).default('investigating'),
    body,
    components: z.record(z.string(), componentStatus).default({}),
    notify: z.boolean().optional(),
    eta,
    started_at: instant.optional(),
    /** Backfill: when an incident declared already resolved really ended (after started_at, not in the future). */
    resolved_at: instant.optional(),
    commander: shortLine('commander', 80).nullable().optional(),
    war_room: shortLine('war_room', 80).nullable().optional(),
  })
  .refine((i) => i.severity !== undefined || i.impact !== undefined, {
    message: 'give severity (a level id) or impact',
    path: ['severity'],
  });

export const updateCreateSchema = z.strictObject({
  status: z.enum(UPDATE_STATUSES, { error: `status must be one of ${UPDATE_STATUSES.join(', ')}` }),
  body,
  components: z.record(z.string(), componentChange).optional(),
  /** Re-grades the incident: a level id of the settings' severity scheme, as the declare takes it. */
  severity: z.string({ error: 'severity must be a level id (text)' }).max(30, 'severity must be at most 30 characters').optional(),
  notify: z.boolean().optional(),
  eta,
  root_cause: told('root_cause'),
  resolution: told('resolution'),
  prevention: told('prevention'),
  display_at: instant.optional(),
  /** Names (or changes) the incident commander, as the declare takes one: runbooks assign one after declaring. */
  commander: shortLine('commander', 80).optional(),
});

export const updateCorrectSchema = z.strictObject({ body });

/** A correction of an incident's or a window's name: held to the declare's rule for a name. */
export const nameCorrectSchema = z.strictObject({ name });

// Scheduled maintenance and postmortems.

/** A postmortem is longer than an update. */
export const POSTMORTEM_MAX = 100_000;

export const maintenanceCreateSchema = z.strictObject({
  name,
  scheduled_for: instant,
  scheduled_until: instant,
  components: z.array(z.string().min(1)).max(500).default([]),
  body: body.optional(),
  notify: z.boolean().optional(),
  auto_transitions: z.boolean().optional(),
});

/** start, verify, complete, cancel: all optional, default texts apply. */
export const maintenanceStepSchema = z.strictObject({
  body: body.optional(),
  notify: z.boolean().optional(),
});

export const maintenanceNoteSchema = z.strictObject({
  body,
  notify: z.boolean().optional(),
});

export const maintenanceRescheduleSchema = z.strictObject({
  scheduled_for: instant.optional(),
  scheduled_until: instant.optional(),
  body: body.optional(),
  notify: z.boolean().optional(),
});

export const postmortemSchema = z.strictObject({
  body: markdownBody(POSTMORTEM_MAX, requiredText('body')).optional(),
  publish: z.boolean().optional(),
  /** With publish: email the incident's subscribers that it is out (off by default). */
  notify: z.boolean().optional(),
});

/** `PUT /api/admin/settings`: the whole settings document (src/domain/settings.ts), held to the input rule. */
export { settingsInputSchema } from '../domain/settings.ts';
