// Workflow bundle of the campaign benchmarks: everything Switchboard runs, with the instant-answer
// bench double in place of the real dialer (the named export wins over the star export).
export * from '../../../src/workflows/index.ts';
export { outboundCallWorkflow } from './instant-dialer-workflow.ts';
