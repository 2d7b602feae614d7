/**
 * What dispatch would create for a run, computed without a cluster: the run's
 * shards placed on the eligible worker clusters exactly as `start-run` places
 * them (attempt 0, contiguous slices), each slice built into its Indexed Job
 * exactly as `dispatch` builds it. Pure: `altus render-jobs` and the tests use it.
 */
import type { V1Job } from '@kubernetes/client-node';
import { topicName } from '../../shared/bus.ts';
import { isCustomKernel } from '../../shared/custom-kernel.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import type { Manifest } from '../../shared/manifest.ts';
import { runObjects } from '../../shared/run-plan.ts';
import { eligibleClusters, placeShards, podRequest } from '../planning/placement.ts';
import { buildJob } from './job-builder.ts';

/** A run as far as rendering its Jobs needs to know it. */
export interface RenderRequest {
  fleet: FleetConfig;
  manifest: Manifest;
  runId: string;
  /** Shards of the run (parameters / shard size, rounded up). */
  shardCount: number;
  /** The results bucket the plan is written to; defaults to the cloud default `<project>-altus-results`. */
  resultsBucket?: string;
}

/** One Job per eligible worker cluster that receives shards, in fleet-configuration order. */
export function renderJobs(request: RenderRequest): V1Job[] {
  const { fleet, manifest, runId } = request;
  const resultsBucket = request.resultsBucket ?? `${fleet.project}-altus-results`;
  const gpu = manifest.resources?.gpu;
  const slices = placeShards(request.shardCount, eligibleClusters(fleet, manifest.placement.clusters, gpu), podRequest(fleet, gpu));
  return slices.map((slice) =>
    buildJob({
      fleet,
      cluster: slice.cluster,
      runId,
      attempt: 0,
      shards: { offset: slice.offset, count: slice.count },
      planUri: runObjects.plan(resultsBucket, runId),
      projectId: fleet.project,
      completionsTopic: topicName(fleet.project, 'completions'),
      retriesPerShard: manifest.retries.perShard,
      deadlineSeconds: manifest.deadlineSeconds,
      rowsPerShard: manifest.shardSize,
      ...(isCustomKernel(manifest.kernel) ? { customKernel: manifest.kernel } : {}),
      ...(gpu ? { gpu } : {}),
    }),
  );
}
