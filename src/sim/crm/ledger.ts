/**
 * What the SIMULATED CRM saw: every request (with its idempotency key and answer) and every
 * write that created something, so tests can assert exactly-once per key.
 */
export interface RecordedCrmRequest {
  method: string;
  path: string;
  key: string | undefined;
  status: number;
  atMs: number;
}

export interface RecordedCrmWrite {
  vendor: 'webhook' | 'hubspot' | 'zoho';
  /** What was created: a webhook delivery, a HubSpot note or contact, a Zoho call or contact. */
  kind: string;
  key: string | undefined;
  id: string;
  body: unknown;
  atMs: number;
}

export class CrmLedger {
  readonly requests: RecordedCrmRequest[] = [];
  readonly writes: RecordedCrmWrite[] = [];
  readonly alerts: { text: string; atMs: number }[] = [];
  private seq = 0;

  nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(8, '0')}`;
  }

  write(entry: Omit<RecordedCrmWrite, 'atMs'>): RecordedCrmWrite {
    const full = { ...entry, atMs: Date.now() };
    this.writes.push(full);
    return full;
  }

  /** Writes that created a call record (delivery, note, call) for this key. */
  callWritesFor(key: string): RecordedCrmWrite[] {
    return this.writes.filter((w) => w.key === key && ['delivery', 'note', 'call'].includes(w.kind));
  }

  requestsFor(key: string): RecordedCrmRequest[] {
    return this.requests.filter((r) => r.key === key);
  }
}
