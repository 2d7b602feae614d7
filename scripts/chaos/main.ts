/**
 * `npm run chaos [-- --fast] [-- scenario ...]`: the fault-injection suite on the
 * local stack. Prints the table (scenario, runs, identical to the fault-free
 * run, shards lost, shards double-counted, time, whether the fault was seen to
 * happen and its evidence), writes scripts/chaos/results/latest.json, and exits 1
 * unless every row is clean (the fault happened and was survived).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChaos } from './run.ts';
import { FAST_SCENARIOS, SCENARIOS } from './scenarios.ts';
import { clean, renderTable } from './verdict.ts';

const { values, positionals } = parseArgs({ options: { fast: { type: 'boolean' }, quiet: { type: 'boolean' } }, allowPositionals: true });
const names = positionals.length ? positionals : values.fast ? FAST_SCENARIOS : Object.keys(SCENARIOS);
const started = performance.now();
const rows = await runChaos(names, values.quiet ? undefined : (line) => process.stderr.write(line + '\n'));
process.stdout.write(renderTable(rows) + '\n');
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}latest.json`, JSON.stringify({ at: new Date().toISOString(), seconds: (performance.now() - started) / 1000, rows }, null, 2));
const dirty = rows.filter((r) => !clean(r));
process.stdout.write(dirty.length ? `${dirty.length} scenario(s) not clean\n` : `all ${rows.length} scenarios clean\n`);
process.exit(dirty.length ? 1 : 0);
