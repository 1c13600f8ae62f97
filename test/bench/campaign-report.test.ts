import { describe, expect, it } from 'vitest';
import { stalls } from '../../bench/lib/campaign/report.ts';

describe('bench:campaign stall figures', () => {
  it('counts stretches without a dial start and the rate outside them', () => {
    // 11 starts 100 ms apart, a 3-s boundary, 10 more 100 ms apart: 20 intervals in 4.9 s, 3 s stalled.
    const first = Array.from({ length: 11 }, (_, i) => i * 100);
    const second = Array.from({ length: 10 }, (_, i) => 4000 + i * 100);
    const figures = stalls([...first, ...second]);
    expect(figures.count).toBe(1);
    expect(figures.stalledMs).toBe(3000);
    expect(figures.ratePerSOutside).toBeCloseTo((20 / 1900) * 1000, 6);
  });

  it('reports no stall for steady starts', () => {
    expect(stalls([0, 500, 999, 1500])).toEqual({ count: 0, stalledMs: 0, ratePerSOutside: 2 });
  });
});
