/**
 * bench:turn's simulated vendors (Deepgram, OpenAI, ElevenLabs) in a process of their own, forked
 * by bench/lib/voice-sims-process.ts. Real vendors answer from their own machines: sharing an
 * event loop with the Temporal worker and the simulated callers made their replies late by
 * milliseconds, which the bench then counted against the realtime node.
 *
 * IPC (bench/lib/child-node.ts): sends {type:'ready'}; answers {type:'endpoints'} with the URLs
 * and keys, {type:'vendorTimes'} with each reply's vendor time so far, {type:'stats'} with CPU.
 */
import { serveParent } from './child-node.ts';
import { Cleanup } from './cleanup.ts';
import { startVoiceSims, type VoiceSimOptions } from './realtime-node.ts';
import { type VendorTimeEntries, vendorTimeEntries } from './turn-analysis.ts';

/** What the parent passes (JSON in SB_SIMS_OPTIONS); the LLM reply is `replyTemplate` with {n}. */
export interface VoiceSimsNodeOptions extends Omit<VoiceSimOptions, 'llmScript'> {
  replyTemplate: string;
}

export type VoiceSimsAnswer =
  | { type: 'endpoints'; id: number; endpoints: import('../../src/platform/vendors.ts').VoiceEndpoints }
  | ({ type: 'vendorTimes'; id: number } & VendorTimeEntries)
  | { type: 'stats'; id: number; cpuUs: number };

const cleanup = new Cleanup();
try {
  const options = JSON.parse(process.env.SB_SIMS_OPTIONS ?? '') as VoiceSimsNodeOptions;
  const sims = await startVoiceSims(
    {
      ...options,
      // Unique per request, so the records of a reply can be found by its text.
      llmScript: (_request, index) => ({ text: options.replyTemplate.replace('{n}', String(index + 1)) }),
    },
    cleanup,
  );
  const send = serveParent(cleanup, (question): VoiceSimsAnswer | undefined => {
    if (question.type === 'endpoints')
      return { type: 'endpoints', id: question.id, endpoints: sims.endpoints };
    if (question.type === 'vendorTimes')
      return { type: 'vendorTimes', id: question.id, ...vendorTimeEntries(sims) };
    if (question.type === 'stats') {
      const cpu = process.cpuUsage();
      return { type: 'stats', id: question.id, cpuUs: cpu.user + cpu.system };
    }
    return undefined;
  });
  send({ type: 'ready', voiceUrl: sims.endpoints.openai.baseUrl ?? '' });
} catch (err) {
  process.send?.({ type: 'error', message: (err as Error).stack ?? String(err) });
  await cleanup.run();
  process.exit(1);
}
