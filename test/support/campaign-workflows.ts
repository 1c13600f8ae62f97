// Workflow bundle of the campaign tests: everything Switchboard runs, plus the dial test double
// under the real dialer's name. Remove the double once the real outboundCallWorkflow is merged.
export * from '../../src/workflows/index.ts';
export { outboundCallWorkflow } from './dial-double-workflow.ts';
