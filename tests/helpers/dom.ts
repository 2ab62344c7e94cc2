import { DomUtils, parseDocument } from 'htmlparser2';

/**
 * Reading a console page's server-rendered HTML as a document, for what a screen reader is told:
 * which element a field's aria-describedby points at, a control's accessible name.
 */
export type Doc = ReturnType<typeof parseDocument>;
export type El = ReturnType<typeof DomUtils.findAll>[number];

export const dom = (html: string): Doc => parseDocument(html);
/** Every element under `root` that passes `test`, in document order. */
export const all = (root: Doc | El, test: (e: El) => boolean): El[] => DomUtils.findAll(test, root.children);
export const byId = (root: Doc | El, id: string): El | undefined => all(root, (e) => e.attribs.id === id)[0];
export const byName = (root: Doc | El, name: string): El | undefined => all(root, (e) => e.attribs.name === name)[0];
/** Text content, whitespace collapsed. */
export const textOf = (e: El): string => DomUtils.textContent(e).replace(/\s+/g, ' ').trim();
/** A button's or link's accessible name, as far as these pages go: aria-label, else its text. */
export const nameOf = (e: El): string => e.attribs['aria-label'] ?? textOf(e);
/** The fields a form posts (its hidden inputs), as a browser would send them. */
export const fieldsOf = (form: El): Record<string, string> =>
  Object.fromEntries(
    all(form, (e) => e.name === 'input' && e.attribs.type === 'hidden').map((e) => [e.attribs.name!, e.attribs.value ?? '']),
  );
/** The elements an element's aria-describedby points at (undefined where an id is on no element). */
export const describedBy = (doc: Doc, e: El): Array<El | undefined> =>
  (e.attribs['aria-describedby'] ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((id) => byId(doc, id));

/**
 * A form's fields as a browser with scripts off submits it untouched (no button): inputs with their values
 * (boxes and radios only when checked), textareas with their text, each select's selected option (or its first).
 * With the page (`doc`), the controls outside the form that name it in their `form` attribute (a table row's) too.
 */
export function submitted(form: El, doc?: Doc): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  const control = (x: El) => ['input', 'textarea', 'select'].includes(x.name) && !!x.attribs.name && !('disabled' in x.attribs);
  const outside = doc && form.attribs.id ? all(doc, (x) => control(x) && x.attribs.form === form.attribs.id) : [];
  for (const e of [...all(form, control), ...outside]) {
    const name = e.attribs.name!;
    if (e.name === 'textarea') fields.push([name, DomUtils.textContent(e).replace(/^\r?\n/, '')]);
    else if (e.name === 'select') {
      const options = all(e, (o) => o.name === 'option');
      const chosen = options.find((o) => 'selected' in o.attribs) ?? options[0];
      if (chosen) fields.push([name, chosen.attribs.value ?? textOf(chosen)]);
    } else if (['checkbox', 'radio'].includes(e.attribs.type ?? '')) {
      if ('checked' in e.attribs) fields.push([name, e.attribs.value ?? 'on']);
    } else if (!['submit', 'button', 'image', 'reset'].includes(e.attribs.type ?? '')) fields.push([name, e.attribs.value ?? '']);
  }
  return fields;
}
