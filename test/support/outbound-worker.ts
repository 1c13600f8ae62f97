/**
 * A worker in its own process, so a test can SIGKILL it for real: the outbound workflow and its
 * activities, dialing the simulated Twilio through the official SDK. Usage:
 * `node --import tsx test/support/outbound-worker.ts '<json options>'`; prints `worker ready`.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.ts';
import { createPrisma } from '../../src/db/client.ts';
import { createLogger } from '../../src/logger.ts';
import { createTwilioCallControl } from '../../src/providers/twilio/call-control.ts';
import { createTwilioDialer } from '../../src/providers/twilio/dialer.ts';
import { installTemporalRuntime, workflowBundlerOptions } from '../../src/worker.ts';

export interface OutboundWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  restUrl: string;
  accountSid: string;
  authToken: string;
  publicBaseUrl: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as OutboundWorkerOptions;
const logger = createLogger('warn');
installTemporalRuntime(logger);
const prisma = createPrisma({ connectionString: options.databaseUrl, poolMax: 2 });
const twilio = {
  accountSid: options.accountSid,
  authToken: options.authToken,
  baseUrl: options.restUrl,
  logger,
};
const connection = await NativeConnection.connect({ address: options.address });
const worker = await Worker.create({
  connection,
  bundlerOptions: workflowBundlerOptions,
  namespace: options.namespace,
  taskQueue: options.taskQueue,
  workflowsPath: fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url)),
  activities: createActivities({
    prisma,
    logger,
    callControl: createTwilioCallControl(twilio),
    dialer: createTwilioDialer(twilio),
    publicBaseUrl: options.publicBaseUrl,
  }),
});
const running = worker.run();
console.log('worker ready');
await running;
await prisma.$disconnect();
await connection.close();
