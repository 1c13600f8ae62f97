import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

const REPO_DEV_CONFIG = new URL('../../temporal-dev.yml', import.meta.url).pathname;

/**
 * Copies the repository's temporal-dev.yml into `dir` with ephemeral ports, so a launcher under
 * test runs the real definition without colliding with a running instance. Returns its path.
 */
export function writeEphemeralDevConfig(dir: string, changes: Record<string, unknown> = {}): string {
  const config = parse(fs.readFileSync(REPO_DEV_CONFIG, 'utf8')) as Record<string, unknown>;
  Object.assign(config, { port: 0, uiPort: 0, ui: false }, changes);
  const file = path.join(dir, 'temporal-dev.yml');
  fs.writeFileSync(file, stringify(config));
  return file;
}
