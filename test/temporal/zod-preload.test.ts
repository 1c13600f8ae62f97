import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundlerOptions } from '../../src/worker.ts';
import { connectToSuiteServer } from './support.ts';

const WORKFLOWS = new URL('./fixtures/zod-workflows.ts', import.meta.url).pathname;

/**
 * Every worker preloads zod once per workflow sandbox instead of evaluating it for each workflow
 * (src/workflows/shared-zod.ts). Preloaded modules are deep-frozen, so zod must still validate and
 * word its errors in every workflow that runs after the freeze.
 */
describe('zod in the workflow sandbox', () => {
  const server = connectToSuiteServer();
  const taskQueue = `zod-${Date.now().toString(36)}`;

  it('is shared by workflows and still parses and words errors in each of them', async () => {
    const worker = await Worker.create({
      connection: server.native,
      namespace: server.namespace,
      taskQueue,
      workflowsPath: WORKFLOWS,
      bundlerOptions: workflowBundlerOptions,
    });
    const results = await worker.runUntil(
      Promise.all(
        [1, 2, 3].map((i) =>
          server.client.workflow.execute('parseInSandbox', { taskQueue, workflowId: `${taskQueue}-${i}` }),
        ),
      ),
    );
    for (const r of results) {
      expect(r.shared).toBe(true);
      expect(r.good).toBe(true);
      expect(r.error).toMatch(/^name: Invalid input: expected string, received number; slots: Too small/);
    }
  });
});
