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
});
