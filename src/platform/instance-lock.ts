import fs from 'node:fs';
import path from 'node:path';
import { StartupError } from '../domain/errors.ts';
import type { Logger } from '../logger.ts';

/**
 * One Switchboard per data directory: the embedded database and the Temporal db file must never
 * be opened by two processes. The lock file also records the dev server's pid, so a launcher
 * that was SIGKILLed (and could not stop its child) has the orphan cleaned up on the next start.
 */

interface LockContents {
  pid: number;
  startedAt: string;
  children: number[];
}

export interface InstanceLock {
  recordChild(pid: number): void;
  release(): void;
}

export function acquireInstanceLock(dataDir: string, logger: Logger): InstanceLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'switchboard.lock');
  const contents: LockContents = { pid: process.pid, startedAt: new Date().toISOString(), children: [] };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(contents), { flag: 'wx' });
      return lockHandle(file, contents);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      clearStaleLock(file, dataDir, logger);
    }
  }
  throw new StartupError(`could not take the lock ${file}`);
}

function lockHandle(file: string, contents: LockContents): InstanceLock {
  return {
    recordChild(pid) {
      contents.children.push(pid);
      fs.writeFileSync(file, JSON.stringify(contents));
    },
    release() {
      fs.rmSync(file, { force: true });
    },
  };
}

function clearStaleLock(file: string, dataDir: string, logger: Logger): void {
  const held = readLock(file);
  if (held && isAlive(held.pid)) {
    throw new StartupError(
      `Switchboard is already running (pid ${held.pid}, since ${held.startedAt}) with data directory ${dataDir}; ` +
        'stop it first or set DATA_DIR to another directory',
    );
  }
  for (const child of held?.children ?? []) {
    // Only kill what is still our Temporal dev server: the pid may have been reused since.
    if (isAlive(child) && commandLine(child).includes('start-dev')) {
      logger.warn({ pid: child }, 'stopping a dev server orphaned by an earlier run');
      process.kill(child, 'SIGKILL');
    }
  }
  fs.rmSync(file, { force: true });
}

function readLock(file: string): LockContents | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockContents;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
