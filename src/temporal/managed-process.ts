import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../logger.ts';

const KEPT_LINES = 20;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  pid: number;
  /** Set once the process has exited (and been reaped) and its output has been read. */
  readonly exitInfo: ExitInfo | undefined;
  exited: Promise<ExitInfo>;
  /** The last output lines, stdout and stderr interleaved, for error messages. */
  lastLines(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. Idempotent. */
  stop(graceMs: number): Promise<void>;
}

export interface SpawnManagedOptions {
  command: string;
  args: string[];
  logger: Logger;
  /** Maps one output line to a log call; `stopping` is true once stop() was called. */
  logLine(logger: Logger, line: string, stopping: boolean): void;
}

/**
 * Spawns a long-running child whose output goes to the logger line by line, plus an orphan
 * guard. Node cannot ask the kernel to kill a child when the parent dies (no PR_SET_PDEATHSIG),
 * so a tiny `sh` watches a pipe from us: when the pipe closes because we exited for any reason,
 * SIGKILL included, it sends the child SIGTERM and then SIGKILL.
 */
export function spawnManaged(options: SpawnManagedOptions): Promise<ManagedProcess> {
  const child = spawn(options.command, options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => {
      child.off('error', reject);
      resolve(manage(child, options));
    });
  });
}

function manage(child: ChildProcess, options: SpawnManagedOptions): ManagedProcess {
  const pid = child.pid as number;
  const lines: string[] = [];
  let stopping = false;
  let exitInfo: ExitInfo | undefined;
  const guard = startOrphanGuard(pid);
  const exited = new Promise<ExitInfo>((resolve) => {
    // 'close', not 'exit': it also waits for the output pipes, so lastLines() is complete.
    child.once('close', (code, signal) => {
      exitInfo = { code, signal };
      guard.kill('SIGKILL');
      resolve(exitInfo);
    });
  });
  const onLine = (line: string) => {
    if (line.trim() === '') return;
    lines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (lines.length > KEPT_LINES) lines.shift();
    options.logLine(options.logger, line, stopping);
  };
  readLines(child.stdout, onLine);
  readLines(child.stderr, onLine);

  let stopPromise: Promise<void> | undefined;
  const stop = (graceMs: number): Promise<void> => {
    stopping = true;
    stopPromise ??= stopChild(child, exited, () => exitInfo !== undefined, graceMs, options.logger);
    return stopPromise;
  };
  return {
    pid,
    get exitInfo() {
      return exitInfo;
    },
    exited,
    lastLines: () => [...lines],
    stop,
  };
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<ExitInfo>,
  hasExited: () => boolean,
  graceMs: number,
  logger: Logger,
): Promise<void> {
  if (hasExited()) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), graceMs);
  });
  const tooSlow = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (tooSlow && !hasExited()) {
    logger.warn({ childPid: child.pid, graceMs }, 'process did not exit after SIGTERM; sending SIGKILL');
    child.kill('SIGKILL');
  }
  await exited;
}

function readLines(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine);
}

function startOrphanGuard(pid: number): ChildProcess {
  // `read` returns at EOF, i.e. when our end of stdin closes; then TERM, up to 5 s, KILL.
  const script =
    'read _; kill -TERM "$1" 2>/dev/null || exit 0; i=0; ' +
    'while [ $i -lt 50 ]; do kill -0 "$1" 2>/dev/null || exit 0; sleep 0.1; i=$((i+1)); done; ' +
    'kill -KILL "$1" 2>/dev/null';
  const guard = spawn('/bin/sh', ['-c', script, 'temporal-orphan-guard', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  guard.on('error', () => {}); // Best effort: without /bin/sh, stop() still works.
  // Neither the guard nor its pipe may keep our event loop alive.
  guard.unref();
  (guard.stdin as Socket | null)?.unref();
  return guard;
}
