/**
 * Reading the public page's HTML in tests, by its stable hooks (ids and
 * classes the templates set), so assertions name what a customer sees.
 */

/** Text content of an HTML fragment, whitespace collapsed, entities of text decoded. */
export function text(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The overall banner's headline ("All Systems Operational", ...). */
export function banner(html: string): string {
  const m = /<h1 id="overall-title"[^>]*>([\s\S]*?)<\/h1>/.exec(html);
  if (!m) throw new Error('no overall banner on the page');
  return text(m[1]!);
}

/** The "Active incidents" section, or null when there is none. */
export function activeSection(html: string): string | null {
  const m = /<section class="active"[\s\S]*?<\/section>/.exec(html);
  return m ? m[0] : null;
}

/** A component row's status: the class it carries and the label shown next to its icon. */
export function componentStatus(html: string, id: string): { status: string; label: string } {
  const at = html.indexOf(`id="component-${id}"`);
  if (at === -1) throw new Error(`component ${id} is not on the page`);
  const m = /<span class="status s-([a-z_]+)"[^>]*>([\s\S]*?)<\/span>\s*<\/?[a-z]/.exec(html.slice(at));
  if (!m) throw new Error(`component ${id} shows no status`);
  return { status: m[1]!, label: text(m[2]!.replace(/<span[^>]*aria-hidden="true"[^>]*>[^<]*<\/span>/, '')) };
}

/** A group row's status, by group name (after the name, the ":" only screen readers get). */
export function groupStatus(html: string, name: string): string {
  const re = new RegExp(
    `<div class="row group-row"[^>]*><span class="name"[^>]*><bdi>${name}</bdi>(?:<span class="vh">[^<]*</span>)?</span><span class="status s-([a-z_]+)"`,
  );
  const m = re.exec(html);
  if (!m) throw new Error(`group ${name} is not on the page`);
  return m[1]!;
}

/** The update statuses of the timelines in page order (newest first within an incident). */
export function trail(html: string): string[] {
  return [...html.matchAll(/<strong class="update-status"[^>]*>([^<]*)<\/strong>/g)].map((m) => m[1]!);
}

/** The facts list of an incident page: { Status: ..., Duration: ... }. */
export function facts(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<dt[^>]*>([\s\S]*?)<\/dt>\s*<dd[^>]*>([\s\S]*?)<\/dd>/g)) out[text(m[1]!)] = text(m[2]!);
  return out;
}

/** The page's <main> element. */
export function main(html: string): string {
  const m = /<main[\s\S]*<\/main>/.exec(html);
  if (!m) throw new Error('no <main> on the page');
  return m[0];
}
