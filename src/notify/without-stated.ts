import { markdownLiteral } from '../render/markdown-literal.ts';

/** A fact's value as the email states it, or the values a line may give it in (the first is the email's own). */
export type Stated = string | readonly string[] | null;

/**
 * A body without the lines that restate a fact the email states itself: "- **Estimated resolution:**
 * 04:19 GMT+9" (or the runbooks' plain "Estimated resolution: 04:19 GMT+9") goes when the email's own
 * field says 04:19 GMT+9. A line whose value differs (the Comms Lead wrote something else there) stays, so nothing the page says is hidden from the email. So too a whole
 * sentence of a line that is one of `sentences`, word for word, or that `sentences` answers true for (an update
 * rhythm of whichever level: the email's promise states its own).
 */
export function withoutStated(
  markdown: string,
  stated: Record<string, Stated>,
  sentences: readonly string[] | ((sentence: string) => boolean) = [],
): string {
  const restated = typeof sentences === 'function' ? sentences : (part: string) => sentences.includes(part);
  const lines = markdown.split('\n');
  let changed = false;
  const kept = lines.flatMap((line) => {
    // The list marker is optional: the update templates write "- **Affected services:** API", the runbooks'
    // status-page updates a plain "Affected services: API" line. Only a whole line whose label is a stated
    // fact counts, so a sentence that merely names one ("Affected services: API and Web share…") differs in
    // value and stays, and any other "Label: text" line is read as prose below.
    const m = /^\s*(?:[-*+]\s+)?(?:\*\*|__)?([^*_:\n]+):(?:\*\*|__)?\s*(.*?)\s*$/.exec(line);
    const label = m ? m[1]!.trim().toLowerCase() : null;
    if (m && label !== null && Object.hasOwn(stated, label)) {
      const value = stated[label];
      const values = value === null || value === undefined ? [] : typeof value === 'string' ? [value] : value;
      // As the update templates write it (names as Markdown showing them as they are), or as typed.
      if (values.some((v) => m[2] === markdownLiteral(v) || m[2] === v)) {
        changed = true;
        return [];
      }
      return [line];
    }
    if (Array.isArray(sentences) && sentences.length === 0) return [line];
    const indent = /^\s*/.exec(line)![0];
    const parts = line.trim().split(/(?<=[.!?])\s+/);
    const left = parts.filter((part) => !restated(part));
    if (left.length === parts.length) return [line];
    changed = true;
    return left.length ? [indent + left.join(' ')] : [];
  });
  if (!changed) return markdown;
  return kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
