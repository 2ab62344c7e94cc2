import { parseDocument, DomUtils } from 'htmlparser2';
import type { Element } from 'domhandler';

const FORBIDDEN_ELEMENTS = new Set([
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'base',
  'form',
  'svg',
  'math',
  'template',
  'noscript',
]);
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'data',
  'background',
  'poster',
  'srcset',
  'ping',
  'cite',
  'longdesc',
  'manifest',
]);

/** `javascript:` and friends, the way a browser reads them (control characters and spaces inside the scheme ignored). */
export function isScriptUrl(value: string): boolean {
  const compact = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  return /^(javascript|vbscript|livescript|mocha):/.test(compact) || /^data:(?!image\/(png|gif|jpe?g|webp);)/.test(compact);
}

export interface HtmlSafetyOptions {
  /** Script elements allowed when they load a same-origin file (`<script src="/...">`, no inline code). */
  allowSameOriginScripts?: boolean;
  /** These same-origin files only, each as the page loads it (the public pages' `/status.js`), no inline code. */
  allowScripts?: string[];
  /** Elements the page itself uses legitimately (e.g. 'form' on /subscribe, 'svg' icons). */
  allowElements?: string[];
}

/**
 * Reads HTML as a browser would (htmlparser2, entities decoded) and lists what
 * could run script or redirect: script elements (inline, or from another
 * origin), event-handler attributes, script URLs in any URL attribute,
 * srcdoc, meta refresh, CSS with javascript:/expression(). Empty = inert.
 */
export function executableParts(html: string, opts: HtmlSafetyOptions = {}): string[] {
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseAttributeNames: true, lowerCaseTags: true });
  const allowed = new Set(opts.allowElements ?? []);
  const problems: string[] = [];
  for (const el of DomUtils.findAll(() => true, doc.children) as Element[]) {
    const name = el.name.toLowerCase();
    const where = `<${name}${Object.entries(el.attribs)
      .map(([k, v]) => ` ${k}="${v.slice(0, 40)}"`)
      .join('')}>`;
    if (name === 'script') {
      const src = el.attribs.src;
      const sameOriginFile = src !== undefined && /^\/(?!\/)/.test(src) && DomUtils.textContent(el).trim() === '';
      const listed = sameOriginFile && (opts.allowScripts ?? []).includes(src);
      if (!((opts.allowSameOriginScripts && sameOriginFile) || listed)) problems.push(`script element ${where}`);
    }
    if (FORBIDDEN_ELEMENTS.has(name) && !allowed.has(name)) problems.push(`forbidden element ${where}`);
    if (name === 'meta' && /refresh/i.test(el.attribs['http-equiv'] ?? '')) problems.push(`meta refresh ${where}`);
    // A canonical address loads nothing: it names the page on SITE_URL, another host than the test server's.
    const canonical = el.attribs.rel === 'canonical' && /^https?:\/\/[^/]/.test(el.attribs.href ?? '');
    if (name === 'link' && !canonical && !/^\/(?!\/)/.test(el.attribs.href ?? '/')) problems.push(`foreign link ${where}`);
    for (const [attr, value] of Object.entries(el.attribs)) {
      if (attr.startsWith('on')) problems.push(`event handler ${attr} on ${where}`);
      if (attr === 'srcdoc') problems.push(`srcdoc on ${where}`);
      if (URL_ATTRIBUTES.has(attr) && value.split(',').some((part) => isScriptUrl(part.trim())))
        problems.push(`script URL in ${attr} on ${where}`);
      if (attr === 'style' && /javascript:|expression\s*\(|url\s*\(/i.test(value)) problems.push(`active CSS in style on ${where}`);
    }
  }
  return problems;
}

/** The text of the first element matching `selector`-like test, for "shown as text" checks. */
export function textsOf(html: string, test: (el: Element) => boolean): string[] {
  const doc = parseDocument(html, { decodeEntities: true });
  return (DomUtils.findAll(test, doc.children) as Element[]).map((el) => DomUtils.textContent(el));
}
