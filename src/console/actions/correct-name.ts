import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import { correctName } from '../../domain/incidents/correct-name.ts';
import { findEvent } from '../../domain/model.ts';
import { NotFound } from '../../domain/errors.ts';
import { nameCorrectSchema } from '../../input/schemas.ts';
import { formFields, refusal, validate } from '../forms.ts';
import { makeOnce, onceKeyOf } from '../form-once.ts';
import { done, refused, type ActionResult } from './result.ts';

/**
 * The "Correct name" form of an incident or a maintenance window: the name held to the declare's rule,
 * audited with the previous one, emailing nobody. The form carries the name it showed (`seen`): a
 * correction made since refuses it (409) rather than going over a name its author never saw. Its
 * one-time key makes a double click one correction, the repeat answering as the first did.
 */
export async function correctNameAction(herald: Herald, session: Session, id: string, form: FormData): Promise<ActionResult> {
  const f = formFields(form);
  const parsed = validate(nameCorrectSchema, { name: f.name ?? '' });
  if (!parsed.ok) return refused(422, parsed.errors);
  // A form without the field (none of ours) is not checked.
  const seen = f.seen;
  // Sent as shown: "Name corrected" said of nothing would leave a typo standing, its author thinking it fixed.
  if (seen !== undefined && parsed.data.name === seen)
    return refused(422, { name: 'This is the name it has already: type the corrected name (nothing was saved).' });
  try {
    await makeOnce(
      herald,
      session.actor,
      onceKeyOf('name', session.key, form),
      (ctx) => {
        const record = findEvent(ctx.db, id);
        if (!record) throw new NotFound(`No incident with id "${id}".`, 'id');
        return correctName(ctx, record, parsed.data.name, seen);
      },
      (r) => ({ id: r.id }),
    );
    return done(`/admin/incidents/${encodeURIComponent(id)}?renamed=1`);
  } catch (err) {
    const r = refusal(err, ['name']);
    return refused(r.status, r.errors);
  }
}
