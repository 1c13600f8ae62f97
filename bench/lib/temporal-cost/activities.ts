/** No-I/O activities for bench:temporal-cost: results shaped like the dialer's, nothing else. */
export const costActivities = {
  async costClaim(): Promise<{ claimedAt: string }> {
    return { claimedAt: new Date().toISOString() };
  },
  async costPlace(): Promise<{ callSid: string }> {
    return { callSid: `CA${Math.random().toString(16).slice(2).padEnd(32, '0')}` };
  },
  async costRecord(): Promise<void> {},
};
export type CostActivities = typeof costActivities;
