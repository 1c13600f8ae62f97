import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger.ts';
import { buildCliWithGo, downloadCliWithSdk } from './cli-build.ts';

const run = promisify(execFile);

/** CLI v1.5.1 embeds server 1.29.1 and is the newest that plain `go install` can build. */
export const PINNED_CLI_VERSION = '1.5.1';

export type CliSource = 'env' | 'cache' | 'path' | 'built' | 'downloaded';

export interface ProvisionedCli {
  path: string;
  source: CliSource;
  version: string;
}

export interface EnsureTemporalCliOptions {
  /** TEMPORAL_CLI_PATH: used as is, and must run. */
  explicitPath?: string;
  /** TEMPORAL_CLI_CACHE_DIR; the binary lives at `<cacheDir>/<version>/temporal`. */
  cacheDir?: string;
  logger: Logger;
  /** PATH-style list searched for `temporal`; by default the PATH we inherited. */
  searchPath?: string;
  /** The Go command; by default `go` from PATH. */
  goCommand?: string;
}

export class CliProvisionError extends Error {
  override name = 'CliProvisionError';
}

/** `~/.cache/switchboard/temporal-cli`: per user, outside the work tree, shared by checkouts. */
export function defaultCliCacheDir(): string {
  return path.join(os.homedir(), '.cache', 'switchboard', 'temporal-cli');
}

export function cachedCliPath(cacheDir: string, version = PINNED_CLI_VERSION): string {
  return path.join(cacheDir, version, 'temporal');
}

/**
 * Finds or makes a Temporal CLI: explicit path, then our cache, then `temporal` on PATH, then a
 * build through the Go module proxy, then the SDK's download. Logs what it did and how long it took.
 */
export async function ensureTemporalCli(options: EnsureTemporalCliOptions): Promise<ProvisionedCli> {
  const startedAt = performance.now();
  const cli = await findOrMakeCli(options);
  const seconds = Number(((performance.now() - startedAt) / 1000).toFixed(2));
  options.logger.info({ ...cli, seconds }, `Temporal CLI ${cli.version} from ${cli.source}: ${cli.path}`);
  return cli;
}

async function findOrMakeCli(options: EnsureTemporalCliOptions): Promise<ProvisionedCli> {
  const { logger } = options;
  if (options.explicitPath !== undefined) {
    const version = await readCliVersion(options.explicitPath).catch((err: Error) => {
      throw new CliProvisionError(
        `TEMPORAL_CLI_PATH=${options.explicitPath} is not a usable Temporal CLI: ${err.message}`,
      );
    });
    return { path: options.explicitPath, source: 'env', version };
  }
  const cacheDir = path.resolve(options.cacheDir ?? defaultCliCacheDir());
  const cached = cachedCliPath(cacheDir);
  const fromCache = await tryCached(cached, logger);
  if (fromCache) return fromCache;

  const onPath = await findOnPath(options.searchPath);
  if (onPath) {
    const version = await readCliVersion(onPath).catch(() => undefined);
    if (version !== undefined) {
      if (version !== PINNED_CLI_VERSION) {
        logger.warn(
          { path: onPath, version, pinned: PINNED_CLI_VERSION },
          'using temporal from PATH, not the pinned version',
        );
      }
      return { path: onPath, source: 'path', version };
    }
    logger.warn({ path: onPath }, 'ignoring temporal on PATH: `--version` failed');
  }

  const goCommand = options.goCommand ?? 'go';
  if (await commandRuns(goCommand, ['version'])) {
    await buildCliWithGo({ goCommand, version: PINNED_CLI_VERSION, cacheDir, destination: cached, logger });
    return { path: cached, source: 'built', version: await readCliVersion(cached) };
  }
  logger.info('no Go toolchain found; downloading the Temporal CLI through the Temporal SDK');
  await downloadCliWithSdk({ version: PINNED_CLI_VERSION, cacheDir, destination: cached, logger });
  return { path: cached, source: 'downloaded', version: await readCliVersion(cached) };
}

async function tryCached(cached: string, logger: Logger): Promise<ProvisionedCli | undefined> {
  try {
    await fs.access(cached, fs.constants.X_OK);
  } catch {
    return undefined;
  }
  const version = await readCliVersion(cached).catch(() => undefined);
  if (version === PINNED_CLI_VERSION) return { path: cached, source: 'cache', version };
  // A truncated copy or a foreign file: provision again; the new binary is renamed over it.
  logger.warn({ path: cached, version }, 'cached Temporal CLI is unusable; provisioning a new one');
  return undefined;
}

/** Runs `<cli> --version` and returns e.g. `1.5.1` from `temporal version 1.5.1 (Server …)`. */
export async function readCliVersion(cliPath: string): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run(cliPath, ['--version'], { timeout: 15_000 }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('file not found');
    if (e.code === 'EACCES') throw new Error('not executable');
    const detail = e.stderr?.trim().split('\n')[0];
    throw new Error(`\`--version\` failed${detail ? `: ${detail}` : ` (${e.message.split('\n')[0]})`}`);
  }
  const match = /version\s+v?(\d+\.\d+\.\d+[^\s(]*)/.exec(stdout);
  if (!match?.[1]) throw new Error(`unexpected \`--version\` output: ${stdout.trim().slice(0, 120)}`);
  return match[1];
}

/**
 * `command -v` in a child shell: with no `searchPath` the shell inherits our PATH, so this module
 * never reads process.env itself (src/config.ts owns the environment).
 */
async function findOnPath(searchPath: string | undefined): Promise<string | undefined> {
  try {
    const env = searchPath === undefined ? undefined : { PATH: searchPath };
    const { stdout } = await run('/bin/sh', ['-c', 'command -v temporal'], { env, timeout: 5_000 });
    const found = stdout.trim();
    return path.isAbsolute(found) ? found : undefined;
  } catch {
    return undefined;
  }
}

async function commandRuns(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args, { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}
