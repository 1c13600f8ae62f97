/** The parent's side of bench/lib/voice-sims-node.ts: simulated vendors in a process of their own. */
import type { VoiceEndpoints } from '../../src/platform/vendors.ts';
import { forkNode } from './child-node.ts';
import type { Cleanup } from './cleanup.ts';
import type { VendorTimes } from './turn-analysis.ts';
import type { VoiceSimsAnswer, VoiceSimsNodeOptions } from './voice-sims-node.ts';

export interface VoiceSimsProcess {
  endpoints: VoiceEndpoints;
  /** Each reply's vendor time so far (request arrival -> first token / byte), by reply text. */
  vendorTimes(): Promise<VendorTimes>;
  cpuUs(): Promise<number>;
}

export async function startVoiceSimsProcess(
  options: VoiceSimsNodeOptions,
  cleanup: Cleanup,
): Promise<VoiceSimsProcess> {
  const script = new URL('./voice-sims-node.ts', import.meta.url).pathname;
  const child = await forkNode<VoiceSimsAnswer>(
    script,
    { SB_SIMS_OPTIONS: JSON.stringify(options) },
    cleanup,
    { name: 'simulated vendors process', underTest: false },
  );
  const { endpoints } = await child.ask('endpoints');
  return {
    endpoints,
    vendorTimes: async () => {
      const { llm, tts } = await child.ask('vendorTimes');
      return { llm: new Map(llm), tts: new Map(tts) };
    },
    cpuUs: async () => (await child.ask('stats')).cpuUs,
  };
}
