import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StartupError } from '../../src/domain/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { acquireInstanceLock } from '../../src/platform/instance-lock.ts';

const logger = createLogger('silent');

describe('instance lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a second holder while the first process lives, naming its pid', () => {
    const lock = acquireInstanceLock(dir, logger);
    expect(() => acquireInstanceLock(dir, logger)).toThrow(StartupError);
    expect(() => acquireInstanceLock(dir, logger)).toThrow(
      new RegExp(`already running \\(pid ${process.pid}`),
    );
    lock.release();
    acquireInstanceLock(dir, logger).release();
  });

  it('takes over a lock left by a dead process', async () => {
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    const file = path.join(dir, 'switchboard.lock');
    fs.writeFileSync(file, JSON.stringify({ pid: dead.pid, startedAt: 'earlier', children: [] }));
    const lock = acquireInstanceLock(dir, logger);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('kills a dev server orphaned by a dead launcher, but not an unrelated process', async () => {
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    // Stand-ins: one whose command line looks like the dev server, one that does not.
    const orphan = spawn('sh', ['-c', 'sleep 60', 'server', 'start-dev'], { stdio: 'ignore' });
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
    const orphanExit = new Promise((resolve) => orphan.once('exit', (_c, signal) => resolve(signal)));
    fs.writeFileSync(
      path.join(dir, 'switchboard.lock'),
      JSON.stringify({ pid: dead.pid, startedAt: 'earlier', children: [orphan.pid, bystander.pid] }),
    );
    try {
      acquireInstanceLock(dir, logger).release();
      expect(await orphanExit).toBe('SIGKILL');
      expect(bystander.exitCode).toBeNull();
      expect(bystander.killed).toBe(false);
    } finally {
      orphan.kill('SIGKILL');
      bystander.kill('SIGKILL');
    }
  });
});
