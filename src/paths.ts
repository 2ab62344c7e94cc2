import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/**
 * The project folder (the one holding templates/ and data/seed.json). Code
 * runs both from src/ and bundled into the Astro build (dist/server/chunks/…),
 * so relative paths from a module differ; walking up from wherever this module
 * landed finds the same folder in both, without depending on the working directory.
 */
export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, 'templates')) && existsSync(join(dir, 'package.json'))) return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`Herald's templates/ folder was not found above ${fileURLToPath(import.meta.url)}.`);
}

/** A path under templates/. */
export const templatePath = (...parts: string[]): string => join(projectRoot(), 'templates', ...parts);
