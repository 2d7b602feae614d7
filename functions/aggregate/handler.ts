/**
 * `aggregate`: every shard is in. Merges the shard partials (exactly, so the
 * aggregate is byte-identical whatever the shard size, delivery order or duplication),
 * publishes the rows (results.ts: the Parquet dataset's folder, or one NDJSON
 * file composed in index order), and finishes
 * the run once: SUCCEEDED, PARTIAL (failed shards listed) or FAILED. Only the
 * delivery that wins the final transition publishes run-finished (announce.ts).
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { runCost } from '../../shared/cost.ts';
import { MAX_OUTPUTS } from '../../shared/custom-kernel.ts';
import { FAILED_REASON_CHARS, FAILED_SHARDS_LISTED, TERMINAL_STATUSES, type RunStatus } from '../../shared/documents.ts';
import { formatShardList } from '../../shared/shard-list.ts';
import type { RunPatch } from '../../shared/run-store.ts';
import { aggregateRequestSchema } from '../../shared/messages.ts';
import { metricUnion } from '../../shared/stats/partial.ts';
import { runStatistics } from '../../shared/stats/run-statistics.ts';
import { readRunPlan } from '../../shared/run-plan.ts';
import { readShardPartial, type ShardPartial } from '../../shared/shard-partial.ts';
import { announceFinished, owesAnnouncement, UNANNOUNCED } from '../pipeline/announce.ts';
import { decodePubSubJson } from '../pipeline/decode.ts';
import { publishResults } from './results.ts';
import type { Dependencies } from '../pipeline/deps.ts';

/** Partials read at once (bounded: a 100,000-shard run must not open 100,000 reads). */
const READ_CONCURRENCY = 32;

/** Creates the aggregate handler. */
export function createAggregateHandler(deps: Dependencies) {
  return async (event: CloudEvent<unknown>): Promise<RunStatus | 'ignored'> => {
    // Undecodable messages throw UndecodableMessageError: the poison guard parks them.
    const request = decodePubSubJson(event, aggregateRequestSchema);
    const { runId } = request;
    const log = deps.log.with({ runId });
    // Where an aggregation's time goes, in the "run finished" line: it is on every run's critical path.
    const started = performance.now();
    const stepMilliseconds: Record<string, number> = {};
    const step = (name: string) => {
      stepMilliseconds[name] = Math.round(performance.now() - started - Object.values(stepMilliseconds).reduce((a, b) => a + b, 0));
    };
    const moved = await deps.runs.transition(runId, ['ACCEPTED', 'RUNNING'], { status: 'AGGREGATING', aggregatingSince: deps.now().toISOString() });
    const run = moved ?? (await deps.runs.getRun(runId));
    if (run && TERMINAL_STATUSES.includes(run.status) && run.results && owesAnnouncement(run)) {
      // An earlier delivery finished the run but died before announcing it.
      await announceFinished(deps, run);
      return run.status;
    }
    if (run?.status !== 'AGGREGATING' || !run.planUri) {
      log.info('aggregation not needed', { status: run?.status });
      return 'ignored';
    }
    const plan = readRunPlan(await deps.store.read(run.planUri), run.planUri);
    const shards = await deps.runs.listShards(runId);
    if (shards.length < run.counts.shards) {
      log.warn('aggregation requested before every shard was recorded: ignored', { recorded: shards.length, shards: run.counts.shards });
      await deps.runs.transition(runId, ['AGGREGATING'], { status: 'RUNNING' });
      return 'ignored';
    }
    const succeeded = shards.filter((s) => s.status === 'succeeded');
    const failed = shards.filter((s) => s.status === 'failed');
    step('planAndShards');

    const partials = await mapBounded(succeeded, READ_CONCURRENCY, async (s) => readShardPartial(await deps.store.read(s.partialUri!), s.partialUri!));
    // A custom kernel without declared metrics: every metric some shard found, in order of first appearance.
    const metrics = plan.discoverMetrics ? discoveredMetrics(partials, log) : plan.metrics;
    step('partials');
    const { aggregates, risk } = runStatistics(partials, { metrics, quantiles: plan.quantiles, riskLevels: plan.manifest.aggregate.expectedShortfall });
    step('statistics');

    const results = await publishResults(deps, plan, succeeded, failed);
    step('results');
    deps.faults.crashPoint('aggregate.after-compose');

    const counts = {
      parameters: plan.parameterCount,
      shards: plan.shardCount,
      shardsSucceeded: succeeded.length,
      shardsFailed: failed.length,
      parametersFailed: partials.reduce((n, p) => n + p.parametersFailed, 0),
    };
    const status: RunStatus = failed.length === 0 ? 'SUCCEEDED' : succeeded.length === 0 ? 'FAILED' : 'PARTIAL';
    const patch: RunPatch = {
      status,
      counts,
      aggregates,
      risk: risk ?? null,
      results,
      cpuSeconds: shards.reduce((t, s) => t + s.cpuSeconds, 0),
      cost: runCost(deps.fleetConfig, plan.manifest.resources?.gpu, shards),
      finishedAt: deps.now().toISOString(),
      ...UNANNOUNCED,
      ...(failed.length
        ? {
            failedShards: failed.slice(0, FAILED_SHARDS_LISTED).map((s) => ({ shard: s.shard, reason: (s.error ?? 'unknown').slice(0, FAILED_REASON_CHARS) })),
            failedShardList: formatShardList(failed.map((s) => s.shard)),
            error:
              status === 'FAILED'
                ? { code: 'ALL_SHARDS_FAILED', message: `every shard failed; first reason: ${failed[0]!.error ?? 'unknown'}` }
                : { code: 'SHARDS_FAILED', message: `${failed.length} of ${shards.length} shards failed for good; results cover the rest` },
          }
        : { failedShards: null, failedShardList: null, error: null }),
    };
    const finished = await deps.runs.transition(runId, ['AGGREGATING'], patch);
    step('finish');
    if (finished) {
      deps.faults.crashPoint('aggregate.after-finish');
      await announceFinished(deps, finished);
      step('announce');
      log.info('run finished', { status, ...counts, stepMilliseconds });
    }
    return status;
  };
}

/**
 * The union of the shards' discovered metrics, capped at {@link MAX_OUTPUTS} (each
 * shard already is): shards that each carry other names could otherwise put
 * thousands of aggregates on the run document, past Firestore's 1 MiB.
 */
function discoveredMetrics(partials: readonly ShardPartial[], log: Dependencies['log']): string[] {
  const union = metricUnion(partials);
  if (union.length > MAX_OUTPUTS) {
    log.warn('more discovered metrics than a run aggregates: the first ones are kept', {
      metrics: union.length,
      kept: MAX_OUTPUTS,
      dropped: union.slice(MAX_OUTPUTS, MAX_OUTPUTS + 5),
    });
  }
  return union.slice(0, MAX_OUTPUTS);
}

async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}
