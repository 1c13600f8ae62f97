import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/logger.ts';
import { spawnManaged } from '../../src/temporal/managed-process.ts';
import { captureLogger, isAlive } from './support.ts';

const logLine = (logger: Logger, line: string) => logger.debug(line);

describe('spawnManaged', () => {
  it('escalates to SIGKILL when the child ignores SIGTERM', async () => {
    // An ignored signal stays ignored across exec, so `sleep` shrugs off SIGTERM.
    const proc = await spawnManaged({
      command: '/bin/sh',
      args: ['-c', "trap '' TERM; exec sleep 30"],
      logger: createLogger('silent'),
      logLine,
    });
    const startedAt = Date.now();
    await proc.stop(300);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    expect(proc.exitInfo).toEqual({ code: null, signal: 'SIGKILL' });
    expect(isAlive(proc.pid)).toBe(false);
  });

  it('stops with SIGTERM within the grace period, and stop() can be repeated', async () => {
    const proc = await spawnManaged({
      command: '/bin/sh',
      args: ['-c', 'exec sleep 30'],
      logger: createLogger('silent'),
      logLine,
    });
    await Promise.all([proc.stop(10_000), proc.stop(10_000)]);
    expect(proc.exitInfo).toEqual({ code: null, signal: 'SIGTERM' });
    await expect(proc.stop(10_000)).resolves.toBeUndefined();
  });

  it('logs stdout and stderr lines and keeps the last 20 for error messages', async () => {
    const { logger, lines } = captureLogger();
    const proc = await spawnManaged({
      command: '/bin/sh',
      args: ['-c', 'for i in $(seq 1 25); do echo "out $i"; done; echo "err line" >&2'],
      logger,
      logLine,
    });
    await proc.exited;
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['out 1', 'out 25', 'err line']));
    expect(proc.lastLines()).toHaveLength(20);
    expect(proc.lastLines()).toContain('err line');
    expect(proc.lastLines()).not.toContain('out 1');
  });
});
