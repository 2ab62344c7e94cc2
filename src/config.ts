import { z } from 'zod';
import { resolve } from 'node:path';

/**
 * process.env, validated once at boot. A bad value stops the start with a
 * message naming the variable.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4321),
  HOST: z.string().min(1).default('localhost'),
  DATA_DIR: z.string().min(1).default('./data'),
  SITE_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:4321'),
  SITE_NAME: z.string().min(1).max(100).default('Herald Status'),
  SITE_TIMEZONE: z.string().default('UTC'),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('Status <status@localhost>'),
  HERALD_SEED: z.enum(['demo', 'none']).default('demo'),
  /** Multiplies the runbook update cadence (tests use a tiny scale to see "overdue" quickly). */
  HERALD_CADENCE_SCALE: z.coerce.number().positive().max(100).default(1),
  /** Minutes before a maintenance window starts that subscribers are reminded; 0 = no reminder. */
  MAINTENANCE_REMINDER_MINUTES: z.coerce.number().int().min(0).max(10_080).default(60),
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'SITE_URL'> {
  SITE_URL: string;
  dataDir: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  return { ...cfg, SITE_URL: cfg.SITE_URL.replace(/\/+$/, ''), dataDir: resolve(cfg.DATA_DIR) };
}
