/**
 * A finished run's rows, where users read them. Parquet: the shards' parts
 * already form the run's dataset folder (`…/run_id=<runId>/part-<shard>.parquet`),
 * so nothing is copied; a part a failed shard left behind (a pod that wrote it and
 * died before its completion counted) is removed, so the folder holds exactly the
 * shards that succeeded. NDJSON: the shard files composed into one results file
 * in index order.
 */
import { resultsFormat, runObjects, type RunPlan } from '../../shared/run-plan.ts';
import type { RunResults, ShardDocument } from '../../shared/documents.ts';
import { shardKey } from '../../shared/ids.ts';
import { objectUri } from '../../shared/storage/object-store.ts';
import { bigQueryCommand, exampleSql } from '../../shared/results-query.ts';
import type { Dependencies } from '../pipeline/deps.ts';

/** Publishes the rows of the succeeded shards and says where they are. */
export async function publishResults(
  deps: Pick<Dependencies, 'store' | 'config'>,
  plan: RunPlan,
  succeeded: readonly ShardDocument[],
  failed: readonly ShardDocument[],
): Promise<RunResults> {
  const bucket = deps.config.buckets.results;
  const { runId } = plan;
  if (resultsFormat(plan) === 'ndjson') {
    const uri = runObjects.results(bucket, runId);
    await deps.store.compose(
      succeeded.map((s) => s.resultUri!),
      uri,
      { contentType: 'application/x-ndjson' },
    );
    const path = deps.store.localPath?.(uri);
    return { uri, ...(path ? { path } : {}), format: 'ndjson' };
  }
  const uri = runObjects.dataset(bucket, runId);
  if (failed.length > 0) {
    const stray = new Set(failed.map((s) => runObjects.shardResult(bucket, runId, shardKey(s.shard), 'parquet')));
    for (const name of await deps.store.list(uri)) {
      const part = objectUri(bucket, name);
      if (stray.has(part)) await deps.store.deletePrefix(part);
    }
  }
  // The folder's own path (an object name has no trailing slash).
  const path = deps.store.localPath?.(uri.replace(/\/$/, ''));
  const schema = plan.results?.format === 'parquet' ? plan.results.schema : undefined;
  const sql = exampleSql(schema?.outputs[0]?.column);
  return { uri, ...(path ? { path } : {}), format: 'parquet', sql, bigQuery: bigQueryCommand(uri, runId, sql) };
}
