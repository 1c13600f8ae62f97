// The worker bundles this file: every workflow Switchboard runs is exported from here.
export { systemCheck } from './system-check.ts';
