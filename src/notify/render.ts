import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templatePath } from '../paths.ts';
import type { MailKind, NoticeKind } from '../store/mail/model.ts';
import { type MaintenanceNoticeStep, noticeFacts, type NoticeSource } from './notice.ts';
import { MAINTENANCE_TITLE } from '../domain/maintenance/steps.ts';
import { cut } from '../domain/text.ts';
import { joinNames } from '../domain/words.ts';

/**
 * Email rendering from templates/email/*.hbs, one template per notice kind,
 * filled with the notice's facts (notice.ts). HTML templates are escaped by
 * Handlebars (the triple-stashes are the update's HTML, sanitized when it
 * was saved, and a fact's lines, each escaped by the `lines` helper); text templates use noEscape, since HTML entities in plain text
 * would be wrong. Pure: same input, same output; the console's preview calls
 * it as is.
 */
export interface NoticeInput extends Omit<NoticeSource, 'timeZone'> {
  unsubscribeUrl: string;
  manageUrl: string;
  /** The page's time zone (default UTC). */
  timeZone?: string;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

type Template = (ctx: object) => string;
const KINDS: MailKind[] = ['confirm', 'disruption', 'update', 'restoration', 'maintenance', 'postmortem'];
/** Templates of mail that is no delivery kind of its own (see renderSubscribed). */
const OTHERS = ['subscribed'];
const PARTIALS = ['layout', 'field', 'promise', 'closing'];
let templates: Record<string, { html: Template; text: Template }> | null = null;

function load(): Record<string, { html: Template; text: Template }> {
  if (templates) return templates;
  const dir = templatePath('email');
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const html = Handlebars.create();
  const text = Handlebars.create();
  // A fact told on several lines (a root cause as a list of causes) keeps them: a table cell runs them together.
  html.registerHelper('lines', (value: unknown) =>
    String(value ?? '')
      .split(/\r?\n/)
      .map((line) => html.escapeExpression(line))
      .join('<br>'),
  );
  for (const p of PARTIALS) {
    html.registerPartial(p, read(`${p}.html.hbs`));
    text.registerPartial(p, read(`${p}.text.hbs`));
  }
  const out: Record<string, { html: Template; text: Template }> = {};
  for (const kind of [...KINDS, ...OTHERS]) {
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

/** What each kind of notice says it is (runbooks: "Service Disruption Notice", "Service Restoration Notice"). */
const TITLE: Record<NoticeKind, string> = {
  disruption: 'Service disruption',
  update: 'Service update',
  restoration: 'Service restored',
  maintenance: 'Scheduled maintenance',
  postmortem: 'Postmortem',
};

/** A note posted on a resolved incident. */
const FOLLOW_UP_TITLE = 'Follow-up on a resolved issue';

const titleOf = (kind: NoticeKind, step: MaintenanceNoticeStep | null, followUp = false) =>
  step ? MAINTENANCE_TITLE[step] : followUp ? FOLLOW_UP_TITLE : TITLE[kind];

/**
 * The subject says what the notice is; mail clients that thread by headers
 * keep every notice of an incident together through In-Reply-To/References.
 */
export function noticeSubject(
  siteName: string,
  kind: NoticeKind,
  name: string,
  step: MaintenanceNoticeStep | null = null,
  followUp = false,
): string {
  return oneLine(`[${siteName}] ${titleOf(kind, step, followUp)}: ${name}`);
}

const ACCENT: Record<NoticeKind, string> = {
  disruption: '#cf222e',
  update: '#bf8700',
  restoration: '#1a7f37',
  maintenance: '#1f6feb',
  postmortem: '#57606a',
};

/**
 * A maintenance notice's words that follow its step, written once for both parts: the opening sentence, the
 * label of the window's line and the status-page line's lead-in (as text; the HTML template escapes it).
 */
function maintenanceWords(
  step: MaintenanceNoticeStep,
  label: string,
  name: string,
  affected: string | null,
  moved: boolean,
  over: boolean,
) {
  const on = affected ? `, on ${affected}` : '';
  const opening: Record<MaintenanceNoticeStep, string> = {
    scheduled: `We have scheduled maintenance, “${name}”${on}.`,
    // A reminder after a quiet move says so: else it reads as the reminder before it but for the times.
    reminder: `This is a reminder of our scheduled maintenance, “${name}”${on}.${moved ? ' It has moved to a new window since we announced it.' : ''}`,
    started: `Our scheduled maintenance, “${name}”${on}${affected ? ',' : ''} has started and is now in progress.${moved ? ' It had moved to a new window since we announced it.' : ''}`,
    verifying: `The work of our scheduled maintenance, “${name}”${on}${affected ? ',' : ''} is done, and we are verifying that everything works as expected.`,
    completed: `Our scheduled maintenance, “${name}”${on}${affected ? ',' : ''} has been completed.`,
    cancelled: `Our scheduled maintenance, “${name}”${on}${affected ? ',' : ''} has been cancelled and will not take place.`,
    rescheduled: `Our scheduled maintenance, “${name}”${on}${affected ? ',' : ''} has been moved to a new window.`,
    extended: `Our maintenance, “${name}”${on}${affected ? ',' : ''} will take longer than planned: its window has been extended.`,
    shortened: `Our maintenance, “${name}”${on}${affected ? ',' : ''} will end earlier than planned.`,
    note: `Here is an update on our scheduled maintenance, “${name}”${on}.`,
  };
  return {
    opening: opening[step],
    windowLabel: `${moved ? 'New window' : label}:`,
    followLead: over ? 'The details are on our status page' : 'Follow it on our status page',
  };
}

/**
 * A code block (a log line, a command) that wraps at the card's edge rather than widening the whole email past a
 * phone's screen. Inline, as mail clients keep inline styles where they drop a <style> (Gmail's app for other
 * accounts); pre-wrap alone would wrap at spaces only, and Outlook reads word-break where others read
 * overflow-wrap. The saved HTML is sanitized (its text escaped), so `<pre` here is only ever the tag.
 */
const wrappingPre = (html: string) =>
  html.replace(/<pre(?=[\s>])/g, '<pre style="white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere;"');

/** Renders a notice for one recipient. */
export function renderNotice(input: NoticeInput): RenderedMail {
  const facts = noticeFacts({ ...input, timeZone: input.timeZone ?? 'UTC' });
  const subject = noticeSubject(input.siteName, input.kind, input.incident.name, facts.step, facts.followUp);
  // A window completed or cancelled is over, whichever step tells of it (a note posted afterwards too).
  const over = facts.step === 'completed' || facts.step === 'cancelled' || input.update.status === 'completed';
  const words = facts.step
    ? maintenanceWords(facts.step, facts.windowLabel ?? 'Window', facts.name, facts.affected, facts.movedFrom !== null, over)
    : null;
  const ctx = {
    ...facts,
    bodyHtml: wrappingPre(facts.bodyHtml),
    summaryHtml: facts.summaryHtml === null ? null : wrappingPre(facts.summaryHtml),
    etaShown: facts.eta ?? 'not known yet',
    subject,
    title: titleOf(input.kind, facts.step, facts.followUp),
    ...words,
    preheader:
      input.kind === 'postmortem'
        ? `What happened, why, and what we are changing: ${input.incident.name}`
        : // The inbox's preview line: one line, cut between words with an ellipsis.
          // A notice whose text only repeated what the email says (left out) previews a maintenance's opening,
          // or else the incident's name.
          `${facts.statusLabel}: ${cut((facts.bodyText || words?.opening || input.incident.name).replace(/\s+/g, ' '), 120)}`,
    siteName: input.siteName,
    siteUrl: input.siteUrl.replace(/\/+$/, ''),
    accent: ACCENT[input.kind],
    unsubscribeUrl: input.unsubscribeUrl,
    manageUrl: input.manageUrl,
  };
  const t = load()[input.kind]!;
  return { subject, html: t.html(ctx), text: tidy(t.text(ctx)) };
}

/** Renders the confirmation email (double opt-in). */
export function renderConfirm(input: {
  siteName: string;
  siteUrl: string;
  confirmUrl: string;
  componentNames: string[];
  /** When the link stops working, as the reader reads it ("5 Dec 2026, 17:49 UTC"). */
  expires: string;
}): RenderedMail {
  const subject = oneLine(`[${input.siteName}] Confirm your subscription`);
  const ctx = { ...input, subject, preheader: 'Confirm to receive incident notices.', componentNames: joinNames(input.componentNames) };
  const t = load()['confirm' satisfies MailKind]!;
  return { subject, html: t.html(ctx), text: tidy(t.text(ctx)) };
}

/**
 * The answer to a confirmed address that asked to subscribe again: it is a confirmation delivery
 * (one per request, sent like one) whose subscriber was confirmed by then. Its footer is a notice's: the
 * address is subscribed.
 */
export function renderSubscribed(input: {
  siteName: string;
  siteUrl: string;
  manageUrl: string;
  unsubscribeUrl: string;
  componentNames: string[];
}): RenderedMail {
  const subject = oneLine(`[${input.siteName}] You are already subscribed`);
  const ctx = {
    ...input,
    subject,
    preheader: 'Your subscription is unchanged. Manage it or unsubscribe with the link inside.',
    componentNames: joinNames(input.componentNames),
  };
  const t = load().subscribed!;
  return { subject, html: t.html(ctx), text: tidy(t.text(ctx)) };
}

const tidy = (text: string) =>
  text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim() + '\n';
