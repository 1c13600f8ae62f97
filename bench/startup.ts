import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeEphemeralDevConfig } from '../test/support/dev-config-file.ts';
import { spawnLauncher } from '../test/support/launcher.ts';

/**
 * `npm run bench:startup`: time from starting the launcher (src/main.ts, what `npm start` runs)
 * to a green /health, cold (empty data directory) and warm (same directory again).
 * Flags: --runs N (default 3). Uses ephemeral ports so it can run beside a live instance.
 */
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);

async function startOnce(dataDir: string, devConfig: string): Promise<number> {
  const started = performance.now();
  const launcher = spawnLauncher({
    DATA_DIR: dataDir,
    API_PORT: '0',
    REALTIME_PORT: '0',
    TEMPORAL_DEV_CONFIG: devConfig,
    LOG_LEVEL: 'info',
  });
  try {
    const ready = await launcher.waitForLog('Switchboard ready', 180_000);
    while (true) {
      const res = await fetch(`${ready.api}/health`).catch(() => undefined);
      if (res?.status === 200) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    launcher.child.kill('SIGTERM');
    await launcher.exited;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-startup-'));
const devConfig = writeEphemeralDevConfig(root);
const cold: number[] = [];
const warm: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const dataDir = path.join(root, `data-${i}`);
    cold.push(await startOnce(dataDir, devConfig));
    warm.push(await startOnce(dataDir, devConfig));
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
const fmt = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
console.log('start to healthy (seconds)');
console.log(`  cold (empty data dir): ${fmt(cold)}  median ${(median(cold) / 1000).toFixed(2)}`);
console.log(`  warm (existing data):  ${fmt(warm)}  median ${(median(warm) / 1000).toFixed(2)}`);
console.log(
  JSON.stringify({
    bench: 'startup',
    runs,
    cold_median_ms: Math.round(median(cold)),
    warm_median_ms: Math.round(median(warm)),
  }),
);
