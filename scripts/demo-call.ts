import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { SIM_TWILIO_FILE } from '../src/platform/vendors.ts';
import { placeSimCall } from '../src/sim/twilio/caller.ts';
import { callWorkflowId } from '../src/workflows/call/contract.ts';

/**
 * `npm run demo:call`: places a SIMULATED inbound call against a running `npm start` (on
 * simulated vendors): the real webhook, media stream, call session and call workflow, with a
 * synthetic caller. Prints what the caller said and heard, and where to see the workflow.
 */
const config = loadConfig();
const logger = createLogger('warn');
const file = path.join(config.dataDir, SIM_TWILIO_FILE);
if (!fs.existsSync(file)) {
  process.stderr.write(
    `demo:call: ${file} not found; start Switchboard with simulated Twilio first (npm start)\n`,
  );
  process.exit(1);
}
const account = JSON.parse(fs.readFileSync(file, 'utf8')) as { accountSid: string; authToken: string };
const call = await placeSimCall({
  voiceUrl: `${config.publicBaseUrl}/twilio/voice`,
  accountSid: account.accountSid,
  authToken: account.authToken,
  from: '+14155552671',
  to: '+14155550100',
  script: [
    { say: 'Hello, I would like to book an appointment', afterAgentSilenceMs: 500 },
    { hangUp: true, afterAgentSilenceMs: 800 },
  ],
  logger,
});
const timeline = await call.done;
console.log(`simulated call ${call.callSid}`);
for (const s of timeline.said)
  console.log(`  caller said: "${s.text}" (agent answered after ${s.latencyMs ?? '-'} ms)`);
console.log(`  agent audio played to the caller: ${(timeline.agentBytesPlayed / 8000).toFixed(1)} s`);
const ui = `http://127.0.0.1:8233/namespaces/switchboard/workflows/${encodeURIComponent(callWorkflowId(call.callSid))}`;
console.log(`  workflow ${callWorkflowId(call.callSid)}: ${ui}`);
