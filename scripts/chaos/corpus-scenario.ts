/**
 * The malformed-input corpus, uploaded (or published as run requests) all at
 * once: each case must end as it
 * names (REJECTED with its specific error code, or finished with exactly its bad
 * parameter sets failed, each with a reason), within a time bound, while the
 * ingest function's peak RSS during the corpus stays within 256 MB.
 */
import { readFileSync } from 'node:fs';
import type { RunDocument } from '../../shared/documents.ts';
import { sleep } from '../stack/processes.ts';
import { CORPUS, type CorpusCase } from './corpus.ts';
import { PeakRssWindow } from './evidence.ts';
import { submit, timed, waitForEnd, waitForSettled, type ChaosContext } from './harness.ts';
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
  if (e.status === 'REJECTED') {
    if (run.status !== 'REJECTED' || run.error?.code !== e.code || !run.error.message) return `${got}, expected REJECTED ${e.code}`;
    if (!run.runFinishedPublished) return 'REJECTED without its run-finished event';
    return e.says && !e.says.test(run.error.message) ? `the reason "${run.error.message}" does not match ${e.says}` : undefined;
  }
  if (e.parametersFailed === 'any') return run.status === e.status ? undefined : `${got}, expected ${e.status}`;
  const failed = e.parametersFailed === 'all' ? run.counts.parameters : e.parametersFailed;
  if (run.status !== e.status || run.counts.parametersFailed !== failed) return `${got}, expected ${e.status} failed=${failed}`;
  // Every failed parameter set says why, in its row of the results.
  const rows = run.results?.path ? readFileSync(run.results.path, 'utf8').split('\n').filter(Boolean) : [];
  const reasons = rows.map((l) => (JSON.parse(l) as { error?: unknown }).error).filter((r) => r !== undefined);
  const specific = reasons.filter((r) => typeof r === 'string' && r.length > 0 && r !== 'unreadable parameter set');
  return specific.length === failed && reasons.length === failed
    ? undefined
    : `${reasons.length} error rows, ${specific.length} with a specific reason, for ${failed} failed`;
}

/** Publishes a run request's bytes as they are (not re-encoded: a duplicate key or a deep nesting must arrive intact); resolves to its id. */
async function publishRequest(ctx: ChaosContext, prefix: string, request: (requestId: string) => string): Promise<string> {
  const requestId = `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await ctx.pubsub.topic(ctx.stack.topics.runRequests).publishMessage({ data: Buffer.from(request(requestId)) });
  return requestId;
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
          const runId = c.request ? await publishRequest(ctx, `corpus-r${i}`, c.request) : await submit(ctx, `corpus-${i}.json`, c.manifest ?? '', c.files);
          // Settled: a REJECTED run must also have announced run-finished.
          const run =
            c.expect.status === 'REJECTED' ? await waitForSettled(ctx, runId, CASE_TIMEOUT_SECONDS) : await waitForEnd(ctx, runId, CASE_TIMEOUT_SECONDS);
          const why = miss(c, run) ?? (await c.check?.(run, ctx.stack.logDir));
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
