import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from '../logger.ts';

export interface MakeCliOptions {
  version: string;
  /** Temp work happens under here, so the final rename stays on one filesystem (atomic). */
  cacheDir: string;
  /** Where the finished binary is renamed to. */
  destination: string;
  logger: Logger;
}

/**
 * `go install` through the Go module proxy into a private temp GOBIN, then an atomic rename into
 * the cache: two processes building at once each rename a complete binary, the last one wins.
 * Only right for CLI v1.5.x: v1.6+ has a `replace` directive that `go install` refuses, and the
 * version variable moved to `internal/temporalcli` (see docs/temporal.md §2).
 */
export async function buildCliWithGo(options: MakeCliOptions & { goCommand: string }): Promise<void> {
  const { version, logger } = options;
  const module = `github.com/temporalio/cli/cmd/temporal@v${version}`;
  logger.info({ module }, 'building the Temporal CLI with Go (a few minutes the first time)');
  const startedAt = performance.now();
  await withTempDir(options.cacheDir, `.build-${version}-`, async (gobin) => {
    // `env` adds variables on top of the environment the child inherits from us.
    const args = ['CGO_ENABLED=0', `GOBIN=${gobin}`, options.goCommand, 'install'];
    args.push('-ldflags', `-s -w -X github.com/temporalio/cli/temporalcli.Version=${version}`, module);
    const code = await runStreaming('env', args, logger);
    if (code !== 0) throw new Error(`\`go install ${module}\` failed with exit code ${code}`);
    await moveIntoCache(path.join(gobin, 'temporal'), options.destination);
  });
  const seconds = Number(((performance.now() - startedAt) / 1000).toFixed(1));
  logger.info({ module, seconds, path: options.destination }, 'built the Temporal CLI');
}

/**
 * For machines without Go but with internet. The SDK has no download-only call: its ephemeral
 * server downloads `temporal-v<version>` into `downloadDir` (core's `get_or_download` in
 * ephemeral_server/mod.rs) and then starts it. We let it, stop it, and keep the file. The SDK
 * kills a server that is not up within 5 s; that failure is harmless here, the file is what we want.
 * @temporalio/testing is a devDependency, so it is loaded only on this path.
 * Untested here (no internet); keep it small.
 */
export async function downloadCliWithSdk(options: MakeCliOptions): Promise<void> {
  const { version, logger } = options;
  let testing: typeof import('@temporalio/testing');
  try {
    testing = await import('@temporalio/testing');
  } catch {
    throw new Error('no Go toolchain and no @temporalio/testing to download with: set TEMPORAL_CLI_PATH');
  }
  await withTempDir(options.cacheDir, `.download-${version}-`, async (downloadDir) => {
    const executable = { type: 'cached-download' as const, downloadDir, version: `v${version}` };
    let sdkError = '';
    try {
      const env = await testing.TestWorkflowEnvironment.createLocal({ server: { executable, ui: false } });
      await env.teardown();
    } catch (err) {
      sdkError = (err as Error).message.split('\n')[0]?.slice(0, 300) ?? '';
      logger.debug({ err }, 'SDK dev server did not start after the download; checking for the binary');
    }
    const downloaded = path.join(downloadDir, `temporal-v${version}`);
    await fs.access(downloaded).catch(() => {
      throw new Error(`could not download Temporal CLI v${version} (${sdkError}); set TEMPORAL_CLI_PATH`);
    });
    await moveIntoCache(downloaded, options.destination);
  });
}

async function moveIntoCache(from: string, destination: string): Promise<void> {
  await fs.chmod(from, 0o755);
  await fs.mkdir(path.dirname(destination), { recursive: true });
  await fs.rename(from, destination);
}

async function withTempDir(
  parent: string,
  prefix: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  await fs.mkdir(parent, { recursive: true });
  const dir = await fs.mkdtemp(path.join(parent, prefix));
  try {
    await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Runs a command with each output line logged (go prints its downloads to stderr). */
function runStreaming(command: string, args: string[], logger: Logger): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => logger.info({ source: 'go' }, line));
    }
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
}
