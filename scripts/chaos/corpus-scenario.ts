/**
 * The malformed-input corpus, uploaded all at once: each case must end as it
 * names (REJECTED with its specific error code, or finished with exactly its bad
 * parameter sets failed, each with a reason), within a time bound, while the
 * ingest function's peak RSS during the corpus stays within 256 MB.
 */
import { readFileSync } from 'node:fs';
import type { RunDocument } from '../../shared/documents.ts';
import { sleep } from '../stack/processes.ts';
import { CORPUS, type CorpusCase } from './corpus.ts';
import { PeakRssWindow } from './evidence.ts';
import { submit, timed, waitForEnd, type ChaosContext } from './harness.ts';
import type { ChaosRow } from './verdict.ts';

/** Each case ends within this, even with the whole corpus in flight at once. */
export const CASE_TIMEOUT_SECONDS = 120;
/** The ingest function's peak RSS bound while it processes the corpus. */
export const INGEST_PEAK_RSS_LIMIT_MB = 256;
/** Meter records are rewritten every second: wait for the samples that cover the last case. */
const METER_SAMPLE_MILLISECONDS = 1500;

/** Why `run` is not what `c` expects, or undefined when it is. */
function miss(c: CorpusCase, run: RunDocument): string | undefined {
  const e = c.expect;
  const got = `${run.status} ${run.error?.code ?? ''} failed=${run.counts.parametersFailed}`;
  if (e.status === 'REJECTED') return run.status === 'REJECTED' && run.error?.code === e.code && Boolean(run.error.message) ? undefined : `${got}, expected REJECTED ${e.code}`;
  const failed = e.parametersFailed === 'all' ? run.counts.parameters : e.parametersFailed;
  if (run.status !== e.status || run.counts.parametersFailed !== failed) return `${got}, expected ${e.status} failed=${failed}`;
  // Every failed parameter set says why, in its row of the results.
  const rows = run.results?.path ? readFileSync(run.results.path, 'utf8').split('\n').filter(Boolean) : [];
  const reasons = rows.map((l) => (JSON.parse(l) as { error?: unknown }).error).filter((r) => r !== undefined);
  const specific = reasons.filter((r) => typeof r === 'string' && r.length > 0 && r !== 'unreadable parameter set');
  return specific.length === failed && reasons.length === failed ? undefined : `${reasons.length} error rows, ${specific.length} with a specific reason, for ${failed} failed`;
}

export function corpusScenario(ctx: ChaosContext): Promise<ChaosRow> {
  return timed(`${CORPUS.length} malformed manifests and parameter files`, async () => {
    const memory = PeakRssWindow.open(ctx.meterDir, 'ingest');
    let slowest = 0;
    const misses: string[] = [];
    await Promise.all(
      CORPUS.map(async (c, i) => {
        const t0 = performance.now();
        try {
          const runId = await submit(ctx, `corpus-${i}.json`, c.manifest, c.files);
          const run = await waitForEnd(ctx, runId, CASE_TIMEOUT_SECONDS);
          const why = miss(c, run);
          if (why) misses.push(`${c.name}: ${why}`);
        } catch (error) {
          misses.push(`${c.name}: ${(error as Error).message}`);
        }
        slowest = Math.max(slowest, (performance.now() - t0) / 1000);
      }),
    );
    await sleep(METER_SAMPLE_MILLISECONDS);
    const peak = memory.close();
    // Without the exact window the meters' since-start high-water mark is an upper bound of the corpus's peak: it may still pass.
    const memoryOk = peak.processes > 0 && peak.mb <= INGEST_PEAK_RSS_LIMIT_MB;
    const asExpected = CORPUS.length - misses.length;
    return {
      runs: CORPUS.length,
      identical: misses.length === 0,
      shardsLost: 0,
      shardsDoubleCounted: 0,
      faultObserved: memoryOk && CORPUS.length >= 30,
      evidence:
        `${asExpected}/${CORPUS.length} as expected, slowest ${slowest.toFixed(1)} s (bound ${CASE_TIMEOUT_SECONDS} s); ` +
        (peak.exact
          ? `ingest peak RSS ${peak.mb.toFixed(0)} MB during the corpus (${memory.startMb.toFixed(0)} MB when it began; limit ${INGEST_PEAK_RSS_LIMIT_MB} MB)`
          : Number.isNaN(peak.mb)
            ? 'ingest peak RSS not measured (no meter record)'
            : `ingest peak RSS ${peak.mb.toFixed(0)} MB since the process started (limit ${INGEST_PEAK_RSS_LIMIT_MB} MB)`) +
        (misses.length ? `; ${misses.join('; ')}` : ''),
    };
  });
}
