/**
 * The local stack's fleet from the CLI: `altus fleet clusters [--json]` (each
 * worker cluster's state and index counts) and fault injection,
 * `altus fleet lose <cluster>` / `altus fleet restore <cluster>` — a lost cluster's
 * running pods die and its API server cannot be reached (connections are reset), as
 * an unreachable GKE control plane, until it is restored.
 */
import type { V1JobStatus } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { parseIndexSet } from '../../shared/shard-list.ts';
import { UsageError } from './exit-codes.ts';
import { requireStack } from './stack-control.ts';

/** One worker cluster as the local fleet's `/_altus/clusters` reports it. */
export interface LocalClusterView {
  name: string;
  down: boolean;
  jobs: Array<{ name?: string; runId?: string; status?: V1JobStatus }>;
}

/** One worker cluster's status line: its Jobs and their indexes, summed. */
export interface ClusterStatus {
  cluster: string;
  down: boolean;
  jobs: number;
  activeIndexes: number;
  succeededIndexes: number;
  failedIndexes: number;
}

/** Number of indexes in a batch/v1 index list such as `1,3-5,9` (4 + 1). */
export function countIndexes(list: string | undefined): number {
  return parseIndexSet(list).length;
}

/** Per-cluster status from the local fleet's view, in its order. */
export function clusterStatuses(view: readonly LocalClusterView[]): ClusterStatus[] {
  return view.map((c) => ({
    cluster: c.name,
    down: c.down,
    jobs: c.jobs.length,
    activeIndexes: c.jobs.reduce((sum, j) => sum + (j.status?.active ?? 0), 0),
    succeededIndexes: c.jobs.reduce((sum, j) => sum + (j.status?.succeeded ?? 0), 0),
    failedIndexes: c.jobs.reduce((sum, j) => sum + countIndexes(j.status?.failedIndexes), 0),
  }));
}

/** The statuses as an aligned table. */
export function renderClusterStatuses(statuses: readonly ClusterStatus[]): string {
  const header = ['cluster', 'state', 'jobs', 'active', 'succeeded', 'failed'];
  const rows = statuses.map((s) => [s.cluster, s.down ? 'DOWN' : 'up', ...[s.jobs, s.activeIndexes, s.succeededIndexes, s.failedIndexes].map(String)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** What the local fleet at `url` reports about its clusters. */
export async function localClusters(url: string): Promise<LocalClusterView[]> {
  try {
    const res = await fetch(`${url}/_altus/clusters`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as LocalClusterView[];
  } catch (cause) {
    throw new UsageError(`the local fleet at ${url} does not answer (${(cause as Error).message}); is the stack up?`, { cause });
  }
}

async function setClusterDown(url: string, cluster: string, down: boolean): Promise<void> {
  const names = (await localClusters(url)).map((c) => c.name);
  if (!names.includes(cluster)) throw new UsageError(`no worker cluster ${cluster} in the local fleet (it has ${names.join(', ')})`);
  const res = await fetch(`${url}/_altus/clusters/${encodeURIComponent(cluster)}/${down ? 'down' : 'up'}`, { method: 'POST' });
  if (!res.ok) throw new UsageError(`the local fleet refused to ${down ? 'lose' : 'restore'} ${cluster} (HTTP ${res.status})`);
}

/** Adds `clusters`, `lose` and `restore` to the `fleet` command group. */
export function registerLocalFleetCommands(fleet: Command, context: { home: string }): void {
  fleet
    .command('clusters')
    .description("each worker cluster of the local stack's fleet: up or down, its Jobs, active/succeeded/failed indexes")
    .option('--json', 'as one JSON array')
    .action(async (options: { json?: boolean }) => {
      const statuses = clusterStatuses(await localClusters(requireStack(context.home).localFleetUrl));
      process.stdout.write((options.json ? JSON.stringify(statuses) : renderClusterStatuses(statuses)) + '\n');
    });

  fleet
    .command('lose <cluster>')
    .description("fault injection on the local stack: the cluster's running pods die and its API server is unreachable until restored")
    .action(async (cluster: string) => {
      await setClusterDown(requireStack(context.home).localFleetUrl, cluster, true);
      process.stdout.write(`${cluster} lost: its running pods were killed and its API server is unreachable until \`altus fleet restore ${cluster}\`\n`);
    });

  fleet
    .command('restore <cluster>')
    .description('undo `altus fleet lose`: the cluster is reachable again; its Job controller replaces the pods it lost')
    .action(async (cluster: string) => {
      await setClusterDown(requireStack(context.home).localFleetUrl, cluster, false);
      process.stdout.write(`${cluster} restored: it accepts Jobs again; its pods that died are reported failed and replaced by its Job controller\n`);
    });
}
