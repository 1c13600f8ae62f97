import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { installTemporalRuntime } from '../../src/worker.ts';
import { historyFiles, replayGroup } from '../support/histories.ts';

const WORKFLOWS = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));

installTemporalRuntime(createLogger('silent'));

/**
 * Call workflows with booking tools, recorded by test/workflows/reminder/reminder-from-call.test.ts
 * (RECORD_HISTORIES=1). The `legacy-*` ones come from the code before `reminders-at-call-end`,
 * which started the reminder workflow at each booking: calls in flight during an upgrade replay
 * on today's code. `parallel-tools` comes from call-workflow.parallel-tools.test.ts.
 */
describe('call workflow histories with booking tools', () => {
  const files = historyFiles('call');

  it('has the recorded histories', () => {
    expect(files).toEqual([
      'book-and-cancel.json',
      'book-and-move-reminder-at-end.json',
      'legacy-book-and-move.json',
      'legacy-cancel-earlier-booking.json',
      'move-and-cancel-earlier-booking.json',
      'parallel-tools.json',
    ]);
  });

  it('replays every recorded history without a determinism violation', async () => {
    expect(await replayGroup('call', WORKFLOWS)).toEqual([]);
  });
});
