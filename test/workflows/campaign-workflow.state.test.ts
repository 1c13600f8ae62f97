import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_RULES } from '../../src/domain/campaign-rules.ts';
import { fullBucket } from '../../src/domain/pacing.ts';
import { CampaignState, type QueuedContact } from '../../src/workflows/campaign/campaign-state.ts';
import { ALWAYS } from '../support/campaigns.ts';

const NOW = Date.parse('2026-03-04T12:00:00Z');

function state(freeSlotOnResult: boolean, concurrencyLimit = 2): CampaignState {
  const s = new CampaignState({
    settings: {
      agentId: 'agent',
      callerId: '+14155550100',
      concurrencyLimit,
      pacingPerMinute: 60_000,
      callingHours: ALWAYS,
      retryRules: DEFAULT_RETRY_RULES,
      promptVariables: {},
    },
    paused: false,
    cancelled: false,
    firstPassDone: false,
    dueCheckAtMs: null,
    pacing: fullBucket(60_000, NOW),
    contactsByStatus: {},
    dispositions: {},
    dialsStarted: 0,
    runs: 1,
  });
  s.freeSlotOnResult = freeSlotOnResult;
  return s;
}

const contact = (id: string): QueuedContact => ({
  id,
  phone: `+1415555${id.padStart(4, '0')}`,
  timeZone: 'UTC',
  variables: {},
  attempts: 0,
});

/** Takes the head of the queue as the dial loop does; returns what the state decided. */
function dialHead(s: CampaignState) {
  const head = s.queue[0] as QueuedContact;
  const next = s.nextStep(head, NOW);
  if (next.kind === 'dial') s.startDial(head, next.attempt);
  return next.kind;
}

/** The campaign state's slot and drain bookkeeping, without Temporal (the workflow tests cover it live). */
describe('campaign workflow: state', () => {
  it('frees a slot on the dial result and counts the outcome as unwritten until its batch is written', () => {
    const s = state(true);
    s.enqueue([contact('1'), contact('2'), contact('3')]);
    expect([dialHead(s), dialHead(s), dialHead(s)]).toEqual(['dial', 'dial', 'waitForSlot']);
    s.finishDial(contact('1'), 1, { disposition: 'answered' }, NOW);
    expect(s.progress()).toMatchObject({ inFlight: 1, unwritten: 1 });
    expect(dialHead(s)).toBe('dial'); // the freed slot is used before the write
    expect(s.drained()).toBe(false);

    const batch = s.takeUpdates();
    expect(batch.outcomes.map((o) => o.contactId)).toEqual(['1']);
    for (const o of batch.outcomes) s.outcomeWritten(o.contactId);
    expect(s.progress()).toMatchObject({ inFlight: 2, unwritten: 0 });
  });

  it('keeps the slot until the write in runs recorded before the change', () => {
    const s = state(false);
    s.enqueue([contact('1'), contact('2'), contact('3')]);
    dialHead(s);
    dialHead(s);
    s.finishDial(contact('1'), 1, { disposition: 'answered' }, NOW);
    expect(s.progress()).toMatchObject({ inFlight: 2, unwritten: 0 });
    expect(dialHead(s)).toBe('waitForSlot');
    s.outcomeWritten('1');
    expect(dialHead(s)).toBe('dial');
  });

  it('is drained only when no dial runs and every outcome is written', () => {
    const s = state(true, 1);
    s.enqueue([contact('1')]);
    dialHead(s);
    s.finishDial(contact('1'), 1, { disposition: 'busy' }, NOW);
    expect(s.inFlight.size).toBe(0);
    expect(s.drained()).toBe(false); // the outcome waits in the batch
    const batch = s.takeUpdates();
    s.flushing = true;
    expect(s.drained()).toBe(false); // the batch is being written
    s.flushing = false;
    for (const o of batch.outcomes) s.outcomeWritten(o.contactId);
    expect(s.drained()).toBe(true);
  });

  it('does not queue a contact twice, nor one whose dial or outcome is still open', () => {
    const s = state(true);
    s.enqueue([contact('1'), contact('2')]);
    dialHead(s); // 1 in flight
    s.enqueue([contact('1'), contact('2'), contact('3')]); // a read-ahead page overlapping the queue
    expect(s.queue.map((c) => c.id)).toEqual(['2', '3']);
    s.finishDial(contact('1'), 1, { disposition: 'busy' }, NOW);
    s.enqueue([contact('1')]); // due again before its outcome is written: not yet
    expect(s.queue.map((c) => c.id)).toEqual(['2', '3']);
    s.outcomeWritten('1');
    s.enqueue([contact('1')]);
    expect(s.queue.map((c) => c.id)).toEqual(['2', '3', '1']);
  });
  it('hands off: carries in-flight dials and unwritten results, counts carried dials against the limit', () => {
    const s = state(true);
    s.handoff = true;
    s.enqueue([contact('1'), contact('2')]);
    expect([dialHead(s), dialHead(s)]).toEqual(['dial', 'dial']);
    expect(s.allHandedOff()).toBe(false);
    s.handedOff('1', 1, 'UTC', NOW);
    s.handedOff('9', 1, 'UTC', NOW); // not in flight: ignored
    expect(s.allHandedOff()).toBe(false);
    // Dial 2 could not take the hand-off (it had closed): its completion reaches this run.
    expect(s.settleDial(contact('2'), 1, { disposition: 'busy' }, NOW)).toBe(true);
    expect(s.allHandedOff()).toBe(true);
    const carried = s.carry();
    expect(carried.handedOff).toEqual([{ contactId: '1', attempt: 1, timeZone: 'UTC', sinceMs: NOW }]);
    expect(carried.unwrittenOutcomes).toMatchObject([{ contactId: '2', attempt: 1, disposition: 'busy' }]);

    const next = new CampaignState(carried);
    next.freeSlotOnResult = true;
    next.handoff = true;
    expect(next.progress()).toMatchObject({ inFlight: 1, unwritten: 1 });
    expect(next.hasUpdates()).toBe(true); // the carried result is written by the new run
    next.enqueue([contact('1'), contact('3'), contact('4')]);
    expect(next.queue.map((c) => c.id)).toEqual(['3', '4']); // the carried dial is not queued again
    expect([dialHead(next), dialHead(next)]).toEqual(['dial', 'waitForSlot']);
    // Reports for an unknown contact or an older attempt change nothing; the first real one counts once.
    expect(next.dialReported({ contactId: '9', attempt: 1, result: { disposition: 'answered' } }, NOW)).toBe(
      false,
    );
    expect(next.dialReported({ contactId: '1', attempt: 0, result: { disposition: 'answered' } }, NOW)).toBe(
      false,
    );
    expect(next.progress().inFlight).toBe(2);
    expect(next.dialReported({ contactId: '1', attempt: 1, result: { disposition: 'answered' } }, NOW)).toBe(
      true,
    );
    expect(next.dialReported({ contactId: '1', attempt: 1, result: { disposition: 'answered' } }, NOW)).toBe(
      false,
    );
    expect(next.progress()).toMatchObject({ inFlight: 1, unwritten: 2 });
    expect(next.takeUpdates().outcomes.map((o) => [o.contactId, o.disposition])).toEqual([
      ['2', 'busy'],
      ['1', 'answered'],
    ]);
  });

  it('settles a handed-off dial once when both its signal and its completion reach the run', () => {
    const s = state(true);
    s.handoff = true;
    s.enqueue([contact('1')]);
    dialHead(s);
    s.handedOff('1', 1, 'UTC', NOW);
    expect(s.dialReported({ contactId: '1', attempt: 1, result: { disposition: 'answered' } }, NOW)).toBe(
      true,
    );
    expect(s.settleDial(contact('1'), 1, { disposition: 'answered' }, NOW)).toBe(false);
    expect(s.takeUpdates().outcomes).toHaveLength(1);
    expect(s.carry().handedOff).toEqual([]);
  });

  it('counts a report that arrives before the reply to its hand-off request, and only once', () => {
    const s = state(true);
    s.handoff = true;
    s.enqueue([contact('1'), contact('2')]);
    dialHead(s);
    dialHead(s);
    const answered = { disposition: 'answered' } as const;
    // Not asked: a stray report for an in-flight dial of this run does not count.
    expect(s.dialReported({ contactId: '2', attempt: 1, result: answered }, NOW)).toBe(false);
    s.askedToReport('1', 1, 'UTC', NOW);
    expect(s.dialReported({ contactId: '1', attempt: 1, result: answered }, NOW)).toBe(true);
    // The reply to the request and the child's completion come after it: neither counts again.
    s.handedOff('1', 1, 'UTC', NOW);
    expect(s.settleDial(contact('1'), 1, answered, NOW)).toBe(false);
    expect(s.takeUpdates().outcomes.map((o) => o.contactId)).toEqual(['1']);
    expect(s.carry().handedOff).toEqual([]);
    // A request that could not reach its child (closed) leaves the dial to its completion.
    s.askedToReport('2', 1, 'UTC', NOW);
    s.notAsked('2');
    expect(s.dialReported({ contactId: '2', attempt: 1, result: answered }, NOW)).toBe(false);
    expect(s.settleDial(contact('2'), 1, answered, NOW)).toBe(true);
  });

  it('carries nothing new in runs recorded before the hand-off', () => {
    const s = state(true);
    s.enqueue([contact('1')]);
    dialHead(s);
    expect(s.carry()).not.toHaveProperty('handedOff');
  });
});
