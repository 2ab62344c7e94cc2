import { z } from 'zod';
import { atMost, CONTROL_IN_LINE, cleanLine, LINE_MESSAGE } from './text.ts';

/**
 * The Comms Lead's settings: who the notices speak to and sign as, where
 * customers get urgent help, and the severity scheme. The runbooks Herald
 * follows use five schemes (P1–P4, SEV-1–3, P0–P3, Sev 1–4, SEV-0–3; see
 * docs/runbooks.md), so the scheme is data, not code: 2 to 6 levels, most
 * severe first, each mapped to the Statuspage impact the v2 API, the page's
 * colours and the banner use, with its own update cadence, email rules and
 * post-incident review deadline.
 */
/**
 * What a line of the settings may hold. Input is held to cleanLine, as every other text: no control character,
 * no broken Unicode (a lone surrogate, a noncharacter). Stored documents are read by the older rule, control
 * characters only, so a document saved before broken Unicode was refused keeps loading as it was saved.
 */
type LineRule = { ok: (v: string) => boolean; message: string };
const INPUT_LINE: LineRule = { ok: cleanLine, message: LINE_MESSAGE };
const STORED_LINE: LineRule = { ok: (v) => !CONTROL_IN_LINE.test(v), message: 'must not contain control characters' };

const lineOf = (rule: LineRule) => (label: string, max: number) =>
  z
    .string({ error: `${label} must be text` })
    .refine(rule.ok, `${label} ${rule.message}`)
    .trim()
    .min(1, `${label} must not be empty`)
    .max(max, atMost(label, max));

/**
 * A sign-off of one line, or of two ("Best regards," above "The Acme Operations Team", as runbook 004 signs
 * its notices): each line held to the rule of a line, blank lines and the spaces around each line dropped.
 */
const signoffOf = (rule: LineRule) =>
  z
    .string({ error: 'signoff must be text' })
    .transform((v) =>
      v
        .split(/\r\n|\r|\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .join('\n'),
    )
    .refine((v) => v.split('\n').every(rule.ok), `signoff ${rule.message}`)
    .refine((v) => v !== '', 'signoff must not be empty')
    .refine((v) => v.split('\n').length <= 2, 'signoff must be at most two lines')
    .refine((v) => v.length <= 120, atMost('signoff', 120));

const minutes = (label: string) =>
  z
    .number({ error: `${label} must be a number of minutes or null` })
    .int(`${label} must be whole minutes`)
    .min(1, `${label} must be at least 1 minute`)
    .max(7 * 24 * 60, `${label} must be at most a week`);

const hours = (label: string) =>
  z
    .number({ error: `${label} must be a number of hours or null` })
    .int(`${label} must be whole hours`)
    .min(1, `${label} must be at least 1 hour`)
    .max(90 * 24, `${label} must be at most 90 days`);

export const SEVERITY_IMPACTS = ['critical', 'major', 'minor', 'none'] as const;

/**
 * A support address as notices print it. From a hunt: "https://good.com@evil.com/" passed as an address (and
 * as a URL), and reads as good.com while it leads to evil.com.
 */
const isContactAddress = (v: string) => /^[\p{L}\p{N}.!#$%&'*+=?^_`{|}~-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+$/u.test(v);
/** A support page: http(s), no user name or password (what a reader takes for the host), nothing HTML would quote. */
const isContactUrl = (v: string) => {
  const u = URL.parse(v);
  return u !== null && /^https?:$/.test(u.protocol) && u.username === '' && u.password === '' && /^https?:\/\/[^\s<>"{}|\\^`]+$/.test(v);
};

const schemasOf = (rule: LineRule) => {
  // Input is held to more than what is stored: a stored document that passed before still loads.
  const input = rule === INPUT_LINE;
  const line = lineOf(rule);
  const severityLevelSchema = z
    .strictObject({
      id: z
        .string({ error: 'id must be text' })
        .regex(/^[a-z0-9][a-z0-9-]{0,29}$/, 'id must be lowercase letters, digits and dashes (at most 30)'),
      label: line('label', 40),
      /** Plain language for customers ("Complete outage of a critical service"), used in notices instead of the label. */
      description: line('description', 200),
      impact: z.enum(SEVERITY_IMPACTS, { error: `impact must be one of ${SEVERITY_IMPACTS.join(', ')}` }),
      /** The runbook's cadence: how often customers hear from the Comms Lead (null: no cadence). */
      update_every_minutes: minutes('update_every_minutes').nullable(),
      /** Subscribers get the disruption and restoration notices. */
      email_subscribers: z.boolean({ error: 'email_subscribers must be true or false' }),
      /** Subscribers also get every update in between (else: the status page has them). */
      email_every_update: z.boolean({ error: 'email_every_update must be true or false' }).default(false),
      /** Email only if the incident is still open this long after it started (runbook: "SEV-2 if > 1 h"). */
      email_after_minutes: minutes('email_after_minutes').nullable().default(null),
      /** A post-incident review is due this long after the resolution, and overdue after the second (null: none expected). */
      postmortem_due_hours: hours('postmortem_due_hours').nullable().default(null),
      postmortem_overdue_hours: hours('postmortem_overdue_hours').nullable().default(null),
    })
    .superRefine((l, ctx) => {
      if (l.postmortem_overdue_hours !== null && (l.postmortem_due_hours === null || l.postmortem_overdue_hours < l.postmortem_due_hours)) {
        ctx.addIssue({
          code: 'custom',
          path: ['postmortem_overdue_hours'],
          message: 'postmortem_overdue_hours needs postmortem_due_hours and must not come before it',
        });
      }
    });

  /** An email address or an http(s) URL: where customers get urgent help. */
  const contact = line('support_contact', 200).refine(
    (v) => (input ? isContactAddress(v) || isContactUrl(v) : /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) || /^https?:\/\/\S+$/.test(v)),
    'support_contact must be an email address or an http(s) URL',
  );

  const settingsSchema = z
    .strictObject({
      /** Who the notices greet: "Dear <audience>,". */
      audience: line('audience', 120),
      /** Who signs them ("The Acme Team"; two lines at most); null: "The <SITE_NAME> team". */
      signoff: signoffOf(rule).nullable(),
      /** Where customers get urgent help; null: no such line in notices. */
      support_contact: contact.nullable(),
      severities: z.array(severityLevelSchema).min(2, 'severities must list 2 to 6 levels').max(6, 'severities must list 2 to 6 levels'),
    })
    .superRefine(
      (s, ctx) => {
        const ids = new Set<string>();
        const labels = new Set<string>();
        // Read as given: run with the other errors too (below), a level may lack a field or have another type.
        for (const [i, level] of (s.severities as Array<{ id?: unknown; label?: unknown } | null>).entries()) {
          const id = level?.id;
          if (typeof id === 'string') {
            if (ids.has(id)) ctx.addIssue({ code: 'custom', path: ['severities', i, 'id'], message: `id "${id}" is used twice` });
            ids.add(id);
          }
          // Two levels of one label could not be told apart: in the picker, on the page, in "raised from … to …".
          if (typeof level?.label !== 'string') continue;
          const label = level.label.trim().toLowerCase();
          if (input && labels.has(label)) {
            ctx.addIssue({ code: 'custom', path: ['severities', i, 'label'], message: `label "${level.label}" is used twice` });
          }
          labels.add(label);
        }
      },
      // Said with the other errors of the same save, not after they are fixed (a fourth error on the next try).
      { when: (payload) => Array.isArray((payload.value as { severities?: unknown } | null)?.severities) },
    );
  return { severityLevelSchema, settingsSchema };
};

/** Settings and severity levels as stored (the documents' and the incidents' copies). */
export const { severityLevelSchema, settingsSchema } = schemasOf(STORED_LINE);
/** `PUT /api/admin/settings` and the settings form: the same, with every line held to cleanLine. */
export const { settingsSchema: settingsInputSchema } = schemasOf(INPUT_LINE);

export type SeverityLevel = z.infer<typeof severityLevelSchema>;

/** A level's fields after its id, in the order the settings form's table shows them (and the audit lists their changes). */
export const SEVERITY_LEVEL_FIELDS = [
  'label',
  'description',
  'impact',
  'update_every_minutes',
  'email_subscribers',
  'email_every_update',
  'email_after_minutes',
  'postmortem_due_hours',
  'postmortem_overdue_hours',
] as const satisfies ReadonlyArray<keyof SeverityLevel>;
export type Settings = z.infer<typeof settingsSchema>;

/** The defaults (docs/design.md "Runbook policy"): SEV-1 critical 30 min, SEV-2 major 60 min, SEV-3 minor 4 h, emails for SEV-1/2. */
export const DEFAULT_SETTINGS: Settings = {
  audience: 'customers',
  signoff: null,
  support_contact: null,
  severities: [
    {
      id: 'sev1',
      label: 'SEV-1',
      description: 'A complete outage, or a critical function unavailable for most customers',
      impact: 'critical',
      update_every_minutes: 30,
      email_subscribers: true,
      email_every_update: false,
      email_after_minutes: null,
      postmortem_due_hours: 24,
      postmortem_overdue_hours: 48,
    },
    {
      id: 'sev2',
      label: 'SEV-2',
      description: 'A major feature degraded or unavailable for many customers',
      impact: 'major',
      update_every_minutes: 60,
      email_subscribers: true,
      email_every_update: false,
      email_after_minutes: null,
      postmortem_due_hours: 24,
      postmortem_overdue_hours: 48,
    },
    {
      id: 'sev3',
      label: 'SEV-3',
      description: 'A minor issue affecting a few customers or a non-critical feature',
      impact: 'minor',
      update_every_minutes: 240,
      email_subscribers: false,
      email_every_update: false,
      email_after_minutes: null,
      postmortem_due_hours: null,
      postmortem_overdue_hours: null,
    },
  ],
};
