export { createCallSession } from './call-session.ts';
export { createSentenceSplitter } from './sentence-splitter.ts';
export { canTransition, IllegalTransitionError } from './state-machine.ts';
export type * from './types.ts';
