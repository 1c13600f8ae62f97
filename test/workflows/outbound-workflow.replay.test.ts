import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { historyFromCliJson } from '../support/history-json.ts';

const WORKFLOWS = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));
const DIR = fileURLToPath(new URL('../histories/outbound/', import.meta.url));

/**
 * Recorded histories (`temporal workflow show --output json`) of an answered outbound call and its
 * call workflow, a voicemail with a message, and a busy campaign attempt (before and after the
 * `outbound-lean-dial` patch: local claim and outcome, one upsert; and after `outbound-local-dial`:
 * the dial a local activity too). Workflows in flight when
 * a worker is upgraded replay on the new code: a change that breaks them fails here first.
 */
describe('outbound workflows replay their recorded histories', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('has the recorded histories', () => {
    expect(files.sort()).toEqual([
      'call-answered-outbound.json',
      'outbound-answered.json',
      'outbound-campaign-busy.json',
      'outbound-lean-campaign-busy.json',
      'outbound-local-dial-campaign-busy.json',
      'outbound-voicemail-message.json',
    ]);
  });

  it.each(files)('%s replays without a determinism violation', async (file) => {
    const history = historyFromCliJson(JSON.parse(fs.readFileSync(`${DIR}${file}`, 'utf8')));
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, history, file);
  });
});
