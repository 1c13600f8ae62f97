import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeEphemeralDevConfig } from '../support/dev-config-file.ts';
import { isAlive, type LauncherProcess, spawnLauncher, waitUntil } from '../support/launcher.ts';

/**
 * `npm start` end to end on embedded defaults: its own dev server (from temporal-dev.yml, on
 * ephemeral ports) and PGlite, health green, a workflow through the worker, clean shutdown.
 */
describe('launcher on embedded defaults', () => {
  let root: string;
  let env: Record<string, string>;
  let launcher: LauncherProcess | undefined;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-launcher-'));
    env = {
      DATA_DIR: path.join(root, 'data'),
      API_PORT: '0',
      REALTIME_PORT: '0',
      TEMPORAL_DEV_CONFIG: writeEphemeralDevConfig(root),
      TEMPORAL_CLI_PATH: inject('temporal').cliPath,
      TEMPORAL_TASK_QUEUE: 'launcher-e2e',
      LOG_LEVEL: 'info',
    };
  });

  afterAll(async () => {
    if (launcher && launcher.child.exitCode === null) {
      launcher.child.kill('SIGKILL');
      await launcher.exited;
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('starts, reports healthy, runs a workflow, refuses a second instance and stops cleanly', async () => {
    launcher = spawnLauncher(env);
    const ready = await launcher.waitForLog('Switchboard ready', 150_000);
    expect(ready.embeddedDatabase).toBe(true);
    const lock = JSON.parse(fs.readFileSync(path.join(env.DATA_DIR as string, 'switchboard.lock'), 'utf8'));
    const devServerPid = lock.children[0] as number;
    expect(isAlive(devServerPid)).toBe(true);

    const health = await waitForHealthy(`${ready.api}/health`);
    expect(health.checks).toMatchObject({
      database: { ok: true },
      temporal: { ok: true },
      worker: { ok: true },
    });
    const realtime = await fetch(`${ready.realtime}/health`);
    expect(realtime.status).toBe(200);

    const connection = await Connection.connect({ address: ready.temporal as string });
    try {
      const client = new Client({ connection, namespace: ready.namespace as string });
      const result = await client.workflow.execute('systemCheck', {
        taskQueue: 'launcher-e2e',
        workflowId: `system-check-${Date.now()}`,
        args: [],
      });
      expect(result.workflowId).toMatch(/^system-check-/);
      expect(Date.parse(result.databaseTime)).not.toBeNaN();
    } finally {
      await connection.close();
    }

    const second = spawnLauncher(env);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/already running \(pid \d+/);

    launcher.child.kill('SIGTERM');
    expect(await launcher.exited).toBe(0);
    await waitUntil(() => !isAlive(devServerPid), 10_000, 'the dev server to exit');
    expect(fs.existsSync(path.join(env.DATA_DIR as string, 'switchboard.lock'))).toBe(false);
  });

  it('starts again warm on the same data directory', async () => {
    launcher = spawnLauncher(env);
    const ready = await launcher.waitForLog('Switchboard ready', 120_000);
    await waitForHealthy(`${ready.api}/health`);
    launcher.child.kill('SIGINT');
    expect(await launcher.exited).toBe(0);
  });
});

async function waitForHealthy(url: string): Promise<{ checks: Record<string, unknown> }> {
  let last: unknown;
  await waitUntil(
    async () => {
      const res = await fetch(url);
      last = await res.json();
      return res.status === 200;
    },
    30_000,
    `${url} to turn green (last: ${JSON.stringify(last)})`,
  );
  return last as { checks: Record<string, unknown> };
}
