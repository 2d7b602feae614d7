/**
 * `altus rerun-shard <runId> <shard>`: recomputes one shard from the run's plan,
 * here, and compares it byte for byte with the result the fleet recorded —
 * the proof that results depend only on (manifest, parameter index).
 */
import { isCustomKernel } from '../../shared/custom-kernel.ts';
import type { RunDocument } from '../../shared/documents.ts';
import { shardKey } from '../../shared/ids.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { getKernel } from '../../jobs/kernels/registry.ts';
import { readRunPlan, resultsFormat, runObjects } from '../../shared/run-plan.ts';
import { computeShard } from '../../jobs/worker/run-shard.ts';
import { readFile, rm } from 'node:fs/promises';
import { UsageError } from './exit-codes.ts';

/** The comparison of a recomputed shard with the recorded one. */
export interface RerunReport {
  runId: string;
  shard: number;
  identical: boolean;
  recordedBytes: number;
  recomputedBytes: number;
  partialIdentical: boolean;
  /** 1-based line of the first difference, when the rows differ. */
  firstDifferentLine?: number;
  seconds: number;
}

/** Recomputes `shard` of `run` and compares it with the stored result. */
export async function rerunShard(store: ObjectStore, run: RunDocument, shard: number): Promise<RerunReport> {
  if (!run.planUri) throw new UsageError(`run ${run.runId} has no plan (${run.status})`);
  if (!Number.isInteger(shard) || shard < 0 || shard >= run.counts.shards) throw new UsageError(`shard must be 0..${run.counts.shards - 1}`);
  const plan = readRunPlan(await store.read(run.planUri), run.planUri);
  const block = plan.manifest.kernel;
  if (isCustomKernel(block)) throw new UsageError(`run ${run.runId} ran the custom kernel image ${block.image}; rerun-shard recomputes built-in kernels only`);
  const kernel = getKernel(block.name);
  if (!kernel) throw new UsageError(`kernel ${block.name} is not in this build`);
  const resultUri = runObjects.shardResult(plan.resultsBucket, run.runId, shardKey(shard), resultsFormat(plan));
  const partialUri = runObjects.shardPartial(plan.resultsBucket, run.runId, shardKey(shard));
  if (!(await store.stat(resultUri))) throw new UsageError(`shard ${shard} of ${run.runId} has no recorded result (${resultUri})`);
  const started = performance.now();
  const computed = await computeShard({ plan, shard, kernel, store });
  const { partial } = computed;
  const seconds = (performance.now() - started) / 1000;
  let rows: string;
  if ('rows' in computed) rows = computed.rows.toString();
  else {
    try {
      rows = await readFile(computed.rowsFile, 'utf8');
    } finally {
      await rm(computed.rowsFile, { force: true });
    }
  }
  const recorded = (await store.read(resultUri)).toString('utf8');
  const recordedPartial = (await store.read(partialUri)).toString('utf8');
  const report: RerunReport = {
    runId: run.runId,
    shard,
    identical: recorded === rows,
    recordedBytes: Buffer.byteLength(recorded),
    recomputedBytes: Buffer.byteLength(rows),
    partialIdentical: recordedPartial === JSON.stringify(partial),
    seconds,
  };
  if (!report.identical) {
    const a = recorded.split('\n');
    const b = rows.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    report.firstDifferentLine = (line < 0 ? Math.min(a.length, b.length) : line) + 1;
  }
  return report;
}
