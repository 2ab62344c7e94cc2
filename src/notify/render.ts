import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, EventRecord, Update } from '../domain/model.ts';
import { COMPONENT_STATUS_LABEL, INCIDENT_STATUS_LABEL } from '../domain/status.ts';
import { SEVERITY_LABEL, nextUpdateDue } from '../domain/policy.ts';
import { durationMinutes, formatDuration } from '../domain/overall.ts';
import { markdownToText } from '../render/markdown.ts';
import { formatDateTime } from '../domain/time-text.ts';
import { templatePath } from '../paths.ts';
import type { MailKind, NoticeKind } from './model.ts';

/**
 * Email rendering from templates/email/*.hbs. HTML templates are escaped by
 * Handlebars (the only triple-stash is body_html, sanitized when the update
 * was saved); text templates use noEscape, since HTML entities in plain text
 * would be wrong (Handlebars would turn `=` into `&#x3D;`). Pure: same input,
 * same output; the admin preview calls it as is.
 */
export interface NoticeInput {
  kind: NoticeKind;
  siteName: string;
  siteUrl: string;
  incident: EventRecord;
  update: Update;
  db: Db;
  unsubscribeUrl: string;
  manageUrl: string;
  /** Optional: the page's time zone (default UTC). */
  timeZone?: string;
  /** Optional: this is the maintenance reminder. */
  reminder?: boolean;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

type Template = (ctx: object) => string;
let templates: Record<string, { html: Template; text: Template }> | null = null;

const templateDir = (): string => templatePath('email');

function load(): Record<string, { html: Template; text: Template }> {
  if (templates) return templates;
  const dir = templateDir();
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const html = Handlebars.create();
  const text = Handlebars.create();
  html.registerPartial('layout', read('layout.html.hbs'));
  html.registerPartial('facts', read('facts.html.hbs'));
  text.registerPartial('layout', read('layout.text.hbs'));
  text.registerPartial('facts', read('facts.text.hbs'));
  const out: Record<string, { html: Template; text: Template }> = {};
  for (const kind of ['confirm', 'disruption', 'update', 'restoration', 'maintenance']) {
    out[kind] = {
      html: html.compile(read(`${kind}.html.hbs`), { strict: false }),
      text: text.compile(read(`${kind}.text.hbs`), { noEscape: true }),
    };
  }
  templates = out;
  return out;
}

/** Header-safe: one line, no control characters. */
export const oneLine = (s: string) =>
  s
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The subject of every notice of an incident: constant, so mail clients thread the incident. */
export function noticeSubject(siteName: string, incident: EventRecord): string {
  const prefix = incident.kind === 'maintenance' ? 'Scheduled maintenance: ' : '';
  return oneLine(`[${siteName}] ${prefix}${incident.name}`);
}

const ACCENT: Record<NoticeKind, string> = { disruption: '#cf222e', update: '#bf8700', restoration: '#1a7f37', maintenance: '#1f6feb' };

/** Renders a notice (disruption, update, restoration or maintenance) for one recipient. */
export function renderNotice(input: NoticeInput): RenderedMail {
  const { incident, update, db } = input;
  const tz = input.timeZone ?? 'UTC';
  const siteUrl = input.siteUrl.replace(/\/+$/, '');
  const changes = new Map(update.affected_components.map((c) => [c.code, c.new_status]));
  const components = incident.components.map((id) => {
    const comp = db.components.find((c) => c.id === id);
    const status = changes.get(id) ?? comp?.status;
    return { name: comp?.name ?? id, status: status ? COMPONENT_STATUS_LABEL[status] : '' };
  });
  const names = components.map((c) => c.name);
  const resolved = input.kind === 'restoration';
  const due = incident.kind === 'incident' ? nextUpdateDue(incident.impact, update.created_at, incident.resolved_at !== null) : null;
  const facts = [
    { label: 'Status', value: INCIDENT_STATUS_LABEL[update.status] },
    ...(incident.kind === 'incident' ? [{ label: 'Severity', value: SEVERITY_LABEL[incident.impact] }] : []),
    { label: resolved ? 'Resolved' : 'Posted', value: formatDateTime(update.display_at, tz) },
    ...(resolved ? [{ label: 'Started', value: formatDateTime(incident.started_at, tz) }] : []),
  ];
  const window =
    incident.kind === 'maintenance'
      ? `from ${formatDateTime(incident.scheduled_for, tz)} to ${formatDateTime(incident.scheduled_until, tz)}`
      : '';
  if (window) facts.push({ label: 'Window', value: window.replace(/^from /, '') });
  const subject = noticeSubject(input.siteName, incident);
  const ctx = {
    subject,
    preheader: `${INCIDENT_STATUS_LABEL[update.status]}: ${markdownToText(update.body).slice(0, 120)}`,
    siteName: input.siteName,
    siteUrl,
    incidentUrl: `${siteUrl}/incidents/${encodeURIComponent(incident.id)}`,
    name: incident.name,
    statusLabel: INCIDENT_STATUS_LABEL[update.status],
    affectedSummary: names.length ? names.join(', ') : `${input.siteName} services`,
    components,
    facts,
    accent: ACCENT[input.kind],
    bodyHtml: update.body_html,
    bodyText: markdownToText(update.body),
    nextUpdate: !resolved && due ? formatDateTime(due.toISOString(), tz) : null,
    duration: resolved ? formatDuration(durationMinutes(incident, new Date(update.display_at))) : null,
    window,
    reminder: input.reminder === true,
    unsubscribeUrl: input.unsubscribeUrl,
    manageUrl: input.manageUrl,
  };
  const t = load()[input.kind]!;
  return { subject, html: t.html(ctx), text: tidy(t.text(ctx)) };
}

/** Renders the confirmation email (double opt-in). */
export function renderConfirm(input: { siteName: string; siteUrl: string; confirmUrl: string; componentNames: string[] }): RenderedMail {
  const subject = oneLine(`[${input.siteName}] Confirm your subscription`);
  const ctx = { ...input, subject, preheader: 'Confirm to receive incident notices.', componentNames: input.componentNames.join(', ') };
  const t = load()['confirm' satisfies MailKind]!;
  return { subject, html: t.html(ctx), text: tidy(t.text(ctx)) };
}

const tidy = (text: string) =>
  text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim() + '\n';
