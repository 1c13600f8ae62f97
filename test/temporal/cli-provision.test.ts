import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import {
  CliProvisionError,
  cachedCliPath,
  ensureTemporalCli,
  PINNED_CLI_VERSION,
} from '../../src/temporal/cli-provision.ts';
import { captureLogger, makeTempDir, writeScript } from './support.ts';

const logger = createLogger('silent');

/** A stand-in CLI: only `--version` matters to the provisioner. */
function fakeCli(file: string, version: string): string {
  return writeScript(file, `echo "temporal version ${version} (Server 1.29.1, UI 2.42.1)"`);
}

/**
 * A stand-in `go` that "builds" by writing a fake CLI into $GOBIN, after recording its
 * arguments and CGO_ENABLED, and printing a line as `go` does while downloading.
 */
function fakeGo(file: string, record: string, exitCode = 0): string {
  return writeScript(
    file,
    [
      'if [ "$1" = version ]; then echo "go version go1.26.8 linux/amd64"; exit 0; fi',
      `echo "CGO_ENABLED=$CGO_ENABLED $*" >> "${record}"`,
      'echo "go: downloading github.com/temporalio/cli v1.5.1" >&2',
      `[ ${exitCode} -ne 0 ] && exit ${exitCode}`,
      'sleep 0.2',
      `printf '#!/bin/sh\\necho "temporal version ${PINNED_CLI_VERSION}"\\n' > "$GOBIN/temporal"`,
    ].join('\n'),
  );
}

describe('ensureTemporalCli', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let cacheDir: string;
  let binDir: string;
  const noGo = '/nonexistent/go';

  beforeEach(() => {
    tmp = makeTempDir('cli-provision');
    cacheDir = path.join(tmp.dir, 'cache');
    binDir = path.join(tmp.dir, 'bin');
  });
  afterEach(() => tmp.remove());

  it('uses the explicit path first, ahead of the cache and PATH', async () => {
    const explicit = fakeCli(path.join(tmp.dir, 'explicit', 'temporal'), '9.9.9');
    fakeCli(cachedCliPath(cacheDir), PINNED_CLI_VERSION);
    fakeCli(path.join(binDir, 'temporal'), '1.8.2');
    const cli = await ensureTemporalCli({ explicitPath: explicit, cacheDir, searchPath: binDir, logger });
    expect(cli).toEqual({ path: explicit, source: 'env', version: '9.9.9' });
  });

  it('uses the cache ahead of PATH', async () => {
    const cached = fakeCli(cachedCliPath(cacheDir), PINNED_CLI_VERSION);
    fakeCli(path.join(binDir, 'temporal'), '1.8.2');
    const cli = await ensureTemporalCli({ cacheDir, searchPath: binDir, logger, goCommand: noGo });
    expect(cli).toEqual({ path: cached, source: 'cache', version: PINNED_CLI_VERSION });
  });

  it('falls back to temporal on PATH and reports its version', async () => {
    const onPath = fakeCli(path.join(binDir, 'temporal'), '1.8.2');
    const { logger: capturing, lines } = captureLogger();
    const cli = await ensureTemporalCli({ cacheDir, searchPath: binDir, logger: capturing, goCommand: noGo });
    expect(cli).toEqual({ path: onPath, source: 'path', version: '1.8.2' });
    expect(lines.some((l) => l.msg === 'using temporal from PATH, not the pinned version')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ source: 'path', path: onPath, version: '1.8.2' });
    expect(lines.at(-1)?.seconds).toEqual(expect.any(Number));
  });

  it('ignores a cached binary that does not report the pinned version', async () => {
    fakeCli(cachedCliPath(cacheDir), '0.0.0-DEV');
    const onPath = fakeCli(path.join(binDir, 'temporal'), PINNED_CLI_VERSION);
    const cli = await ensureTemporalCli({ cacheDir, searchPath: binDir, logger, goCommand: noGo });
    expect(cli).toMatchObject({ path: onPath, source: 'path' });
  });

  it('builds with go into the cache, streaming go output, then serves it from the cache', async () => {
    const record = path.join(tmp.dir, 'go-calls.txt');
    const go = fakeGo(path.join(tmp.dir, 'go'), record);
    const { logger: capturing, lines } = captureLogger();
    const built = await ensureTemporalCli({ cacheDir, searchPath: binDir, goCommand: go, logger: capturing });
    expect(built).toEqual({ path: cachedCliPath(cacheDir), source: 'built', version: PINNED_CLI_VERSION });
    const call = fs.readFileSync(record, 'utf8');
    expect(call).toContain('CGO_ENABLED=0 install -ldflags');
    expect(call).toContain(`-X github.com/temporalio/cli/temporalcli.Version=${PINNED_CLI_VERSION}`);
    expect(call).toContain(`github.com/temporalio/cli/cmd/temporal@v${PINNED_CLI_VERSION}`);
    expect(lines.some((l) => l.source === 'go' && String(l.msg).startsWith('go: downloading'))).toBe(true);
    expect(fs.readdirSync(cacheDir)).toEqual([PINNED_CLI_VERSION]); // no temp build dirs left

    const again = await ensureTemporalCli({ cacheDir, searchPath: binDir, goCommand: go, logger });
    expect(again.source).toBe('cache');
  });

  it('lets two concurrent builds finish with one intact binary', async () => {
    const go = fakeGo(path.join(tmp.dir, 'go'), path.join(tmp.dir, 'go-calls.txt'));
    const options = { cacheDir, searchPath: binDir, goCommand: go, logger };
    const results = await Promise.all([ensureTemporalCli(options), ensureTemporalCli(options)]);
    expect(results.map((r) => r.source)).toEqual(['built', 'built']);
    expect(fs.readdirSync(cacheDir)).toEqual([PINNED_CLI_VERSION]);
    const second = await ensureTemporalCli(options);
    expect(second).toMatchObject({ source: 'cache', version: PINNED_CLI_VERSION });
  });

  it('reports a failed go build and leaves no cache entry', async () => {
    const go = fakeGo(path.join(tmp.dir, 'go'), path.join(tmp.dir, 'go-calls.txt'), 2);
    const attempt = ensureTemporalCli({ cacheDir, searchPath: binDir, goCommand: go, logger });
    await expect(attempt).rejects.toThrow(
      /go install github.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1.* exit code 2/,
    );
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });

  it.each([
    ['does not exist', () => path.join(tmp.dir, 'missing', 'temporal'), /file not found/],
    ['is not executable', () => writeNonExecutable(path.join(tmp.dir, 'plain')), /not executable/],
    [
      'fails --version',
      () => writeScript(path.join(tmp.dir, 'broken'), 'echo "boom" >&2; exit 1'),
      /--version` failed: boom/,
    ],
    [
      'prints no version',
      () => writeScript(path.join(tmp.dir, 'odd'), 'echo hello'),
      /unexpected `--version` output: hello/,
    ],
  ])('rejects an explicit path that %s, naming it', async (_name, make, expected) => {
    const explicitPath = make();
    const attempt = ensureTemporalCli({ explicitPath, cacheDir, searchPath: binDir, logger });
    await expect(attempt).rejects.toThrow(CliProvisionError);
    await expect(attempt).rejects.toThrow(`TEMPORAL_CLI_PATH=${explicitPath} is not a usable Temporal CLI`);
    await expect(attempt).rejects.toThrow(expected);
  });
});

function writeNonExecutable(file: string): string {
  fs.writeFileSync(file, 'not a program', { mode: 0o644 });
  return file;
}
