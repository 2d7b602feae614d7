/**
 * `npx tsx scripts/bench/shard-profile.ts [--format parquet|ndjson] [--shard K] [--repeat N] [--shard-size N]`:
 * computes one 50,000-row (or --shard-size) shard of the 10M black-scholes grid (the grid section's
 * manifest) in this process, as a worker does, and prints its CPU time per row and
 * the bytes per row of its results. Run it under `node --cpu-prof --import tsx` to
 * see where a shard's time goes without starting a stack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getKernel } from '../../jobs/kernels/registry.ts';
import { planRun } from '../../jobs/planning/plan.ts';
import { validateManifest } from '../../jobs/planning/validate.ts';
import { computeShard } from '../../jobs/worker/run-shard.ts';
import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { statSync } from 'node:fs';

const { values } = parseArgs({
  options: {
    format: { type: 'string', default: 'parquet' },
    'shard-size': { type: 'string', default: '50000' },
    shard: { type: 'string', default: '100' },
    repeat: { type: 'string', default: '3' },
  },
});
const format = values.format === 'ndjson' ? 'ndjson' : 'parquet';
const manifest = {
  apiVersion: 'altus/v1',
  kind: 'Run',
  name: 'shard-profile',
  kernel: { name: 'black-scholes' },
  parameters: {
    grid: {
      base: { type: 'call', spot: 100, rate: 0.05, dividendYield: 0.01 },
      axes: { strike: { from: 50, to: 150, steps: 1000 }, volatility: { from: 0.05, to: 0.8, steps: 1000 }, maturity: { from: 0.1, to: 2, steps: 10 } },
    },
  },
  shardSize: Number(values['shard-size']),
  aggregate: { metrics: ['price', 'delta', 'vega'] },
  results: { format },
};
const dir = mkdtempSync(join(tmpdir(), 'altus-shard-profile-'));
const store = new LocalObjectStore(dir);
const plan = await planRun({
  runId: 'profile',
  validated: validateManifest(manifest, loadFleetConfig(DEFAULT_FLEET_CONFIG)),
  store,
  manifestsBucket: 'm',
  resultsBucket: 'r',
  manifestObject: null,
});
const kernel = getKernel('black-scholes')!;
const shard = Number(values.shard);
try {
  for (let round = 0; round < Number(values.repeat); round++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const computed = await computeShard({ plan, shard, kernel, store, tempDir: dir });
    const used = process.cpuUsage(cpu);
    const bytes = 'rows' in computed ? computed.rows.length : statSync(computed.rowsFile).size;
    if ('rowsFile' in computed) rmSync(computed.rowsFile);
    const rows = computed.partial.parameters;
    process.stdout.write(
      JSON.stringify({
        format,
        shard,
        rows,
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        cpuMicrosPerRow: +((used.user + used.system) / rows).toFixed(2),
        wallMs: Math.round(performance.now() - started),
        bytesPerRow: +(bytes / rows).toFixed(1),
      }) + '\n',
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
