import { ConfigError } from './config.ts';

/**
 * The oldest Node Herald runs on: Astro 7's pages and the shared listening socket (`reusePort`) need 22.12.
 * `npm start` and `npm run serve` run the Node 24 installed with Herald (the `node` package). The bundled
 * server is plain JavaScript that an older Node loads, and it got as far as writing a new site into
 * DATA_DIR before failing on the port with a false "already in use": so the start checks first.
 */
const OLDEST: readonly [number, number] = [22, 12];

export function assertNodeVersion(version: string = process.versions.node): void {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > OLDEST[0] || (major === OLDEST[0] && minor >= OLDEST[1])) return;
  throw new ConfigError(
    `Refusing to start: this is Node ${version}, and Herald needs Node ${OLDEST.join('.')} or later. \`npm start\` and \`npm run serve\` run the Node 24 installed with Herald (node_modules/.bin/node); started some other way, use that one.`,
  );
}
