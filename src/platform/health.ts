/**
 * Dependency probes shared by the API and the realtime node. Each probe is a function that
 * resolves when the dependency answers; the checker runs them with a deadline and reports.
 */

export type Probe = () => Promise<string | undefined>;

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  detail?: string;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'down';
  checks: Record<string, ProbeResult>;
}

export interface HealthChecker {
  check(): Promise<HealthReport>;
}

export function createHealthChecker(probes: Record<string, Probe>, timeoutMs = 2000): HealthChecker {
  return {
    async check() {
      const names = Object.keys(probes);
      const results = await Promise.all(names.map((name) => runProbe(probes[name] as Probe, timeoutMs)));
      const checks = Object.fromEntries(names.map((name, i) => [name, results[i] as ProbeResult]));
      return { status: results.every((r) => r.ok) ? 'ok' : 'down', checks };
    },
  };
}

async function runProbe(probe: Probe, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const detail = await Promise.race([probe(), deadline]);
    return { ok: true, latencyMs: elapsed(started), ...(detail ? { detail } : {}) };
  } catch (err) {
    return {
      ok: false,
      latencyMs: elapsed(started),
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
