import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { loadConfig } from '../src/config.ts';
import { startOneOffCall } from '../src/platform/start-outbound-call.ts';
import { connectTemporal } from '../src/temporal/connection.ts';
import { loadDevConfig } from '../src/temporal/dev-config.ts';
import { callWorkflowId } from '../src/workflows/call/contract.ts';

/**
 * `npm run demo:outbound [+E164]`: places a one-off outbound call through a running `npm start`
 * on simulated vendors. The worker dials the SIMULATED Twilio with the official SDK; its callee
 * answers, says hello and hangs up once the agent has spoken. Prints the disposition and where
 * to see both workflows.
 */
const config = loadConfig();
const dev = loadDevConfig(config.temporal.devConfigPath);
const address = config.temporal.address ?? `${dev.ip}:${dev.port}`;
const namespace = config.temporal.namespace ?? dev.namespace;
const to = process.argv[2] ?? '+14155552671';
const connection = await connectTemporal({ ...config.temporal, address, namespace });
const client = new Client({ connection, namespace });
const requestId = randomUUID();
const handle = await startOneOffCall(client, config.temporal.taskQueue, requestId, {
  to,
  from: '+14155550100',
  variables: { customer_name: 'there' },
  voicemail: { action: 'leave_message' },
});
console.log(`dialing ${to} (simulated Twilio): workflow ${handle.workflowId}`);
const result = await handle.result();
console.log(`  disposition: ${result.disposition}${result.detail ? ` (${result.detail})` : ''}`);
const ui = (id: string) =>
  `http://127.0.0.1:${dev.uiPort}/namespaces/${namespace}/workflows/${encodeURIComponent(id)}`;
console.log(`  outbound workflow: ${ui(handle.workflowId)}`);
if (result.callSid)
  console.log(`  call workflow ${callWorkflowId(result.callSid)}: ${ui(callWorkflowId(result.callSid))}`);
await connection.close();
