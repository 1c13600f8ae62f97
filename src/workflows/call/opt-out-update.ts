import { condition, setHandler } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { optOutArgs, type ToolResult } from '../../domain/call.ts';
import type { CallLifecycle } from './call-lifecycle.ts';
import * as contract from './contract.ts';

/**
 * The opt-out tool: the number goes on the do-not-call list and leaves any campaign before the
 * agent says goodbye, so the opt-out is recorded even if the caller hangs up mid-sentence. Pending
 * appointment reminders are left alone: they are about a booking the caller made, not marketing.
 */
export function registerOptOutUpdate(call: CallLifecycle, acts: Pick<Activities, 'recordOptOut'>): void {
  setHandler(
    contract.optOutUpdate,
    async (args): Promise<ToolResult<{ optedOut: true }>> => {
      await condition(() => call.started);
      const result = await acts.recordOptOut({ callId: call.callId as string, reason: args.reason });
      if (result.ok) {
        call.toolOutcome = 'opted_out';
        call.endRequestedAt ??= Date.now();
      }
      return result;
    },
    {
      validator: (args) => {
        if (call.end) throw new Error('the call has ended');
        const parsed = optOutArgs.safeParse(args);
        if (!parsed.success) throw new Error(`invalid arguments: ${parsed.error.issues[0]?.message}`);
      },
    },
  );
}
