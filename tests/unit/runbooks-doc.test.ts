import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SEVERITY_SCHEMES } from '../../src/domain/severity-schemes.ts';
import { settingsSchema } from '../../src/domain/settings.ts';

const doc = readFileSync(new URL('../../docs/runbooks.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]!) as { severities: unknown[] });

describe('docs/runbooks.md', () => {
  it('shows each runbook scheme as the settings the console offers, in order', () => {
    expect(blocks.map((b) => b.severities)).toEqual(SEVERITY_SCHEMES.map((s) => s.levels));
  });

  it('every scheme it shows is a valid settings document', () => {
    for (const b of blocks) {
      const parsed = settingsSchema.safeParse({ audience: 'customers', signoff: null, support_contact: null, ...b });
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    }
  });

  it("gives each scheme the runbook's review deadlines, and P0–P3 the status page's rhythm", () => {
    const of = (id: string) => SEVERITY_SCHEMES.find((s) => s.id === id)!.levels;
    const reviews = (id: string) => of(id).map((l) => [l.id, l.postmortem_due_hours, l.postmortem_overdue_hours]);
    // "Within 24 hours" (P1–P4, SEV-1–SEV-3); "within 24–48 hours" and "within 1 week" (P0–P3); every incident "within 48 hours".
    // P1–P4's post-incident review names no severity: every level owes one (before: P3 and P4 none).
    expect(reviews('p1-p4')).toEqual([
      ['p1', 24, 24],
      ['p2', 24, 24],
      ['p3', 24, 24],
      ['p4', 24, 24],
    ]);
    expect(reviews('sev1-sev3')).toEqual([
      ['sev1', 24, 24],
      ['sev2', 24, 24],
      ['sev3', null, null],
    ]);
    expect(reviews('p0-p3')).toEqual([
      ['p0', 24, 48],
      ['p1', 24, 48],
      ['p2', 168, 168],
      ['p3', null, null],
    ]);
    expect(reviews('sev-1-4')).toEqual([
      ['sev-1', 48, 48],
      ['sev-2', 48, 48],
      ['sev-3', 48, 48],
      ['sev-4', 48, 48],
    ]);
    expect(reviews('sev0-sev3')).toEqual([
      ['sev0', 48, 48],
      ['sev1', 48, 48],
      ['sev2', 48, 48],
      ['sev3', 48, 48],
    ]);
    // Its status page "every 30–60 min"; the team's 2 hours for a P1 are not the customers' promise.
    expect(of('p0-p3').map((l) => l.update_every_minutes)).toEqual([30, 60, 1440, 1440]);
  });
});
