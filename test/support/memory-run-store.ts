/**
 * RunStore's contract in memory, for handler tests that need no emulator: runs
 * and shard records created once (the first wins), guarded transitions, group
 * tallies incremented with each new record as Firestore's batch does.
 */
import type { RunDocument, RunStatus, ShardDocument } from '../../shared/documents.ts';
import { tallyGroups, type RunPatch, type RunStore } from '../../shared/run-store.ts';

/** {@link RunStore} in memory. */
export class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, RunDocument>();
  readonly shards = new Map<string, Map<number, ShardDocument>>();
  async createRun(doc: RunDocument) {
    const existing = this.runs.get(doc.runId);
    if (existing) return { outcome: 'exists' as const, existing };
    this.runs.set(doc.runId, structuredClone(doc));
    return { outcome: 'created' as const };
  }
  async getRun(runId: string) {
    return structuredClone(this.runs.get(runId) ?? null);
  }
  async transition(runId: string, from: readonly RunStatus[], patch: RunPatch) {
    const run = this.runs.get(runId);
    if (!run || !from.includes(run.status)) return null;
    await this.update(runId, patch);
    return structuredClone(this.runs.get(runId)!);
  }
  async update(runId: string, patch: RunPatch) {
    const next: Record<string, unknown> = { ...this.runs.get(runId)! };
    for (const [k, v] of Object.entries(patch))
      if (v === null) delete next[k];
      else if (v !== undefined) next[k] = v;
    this.runs.set(runId, next as unknown as RunDocument);
  }
  /** Tallies by run and group, incremented with each new record as Firestore's batch does. */
  readonly tallies = new Map<string, number>();
  async recordShard(runId: string, doc: ShardDocument, count: number) {
    const shards = this.shards.get(runId) ?? new Map<number, ShardDocument>();
    this.shards.set(runId, shards);
    if (shards.has(doc.shard)) return 'duplicate' as const;
    shards.set(doc.shard, structuredClone(doc));
    const key = `${runId}/${doc.shard % tallyGroups(count)}`;
    this.tallies.set(key, (this.tallies.get(key) ?? 0) + 1);
    return 'recorded' as const;
  }
  async groupTally(runId: string, count: number, shard: number) {
    return this.tallies.get(`${runId}/${shard % tallyGroups(count)}`) ?? 0;
  }
  async totalTally(runId: string, count: number) {
    let total = 0;
    for (let g = 0; g < tallyGroups(count); g++) total += this.tallies.get(`${runId}/${g}`) ?? 0;
    return total;
  }
  async countShards(runId: string, status?: ShardDocument['status']) {
    return [...(this.shards.get(runId)?.values() ?? [])].filter((s) => !status || s.status === status).length;
  }
  async listShards(runId: string) {
    return [...(this.shards.get(runId)?.values() ?? [])].sort((a, b) => a.shard - b.shard);
  }
  async listRuns() {
    return [...this.runs.values()];
  }
  async listRunsByStatus(statuses: readonly RunStatus[], limit: number, after?: string) {
    return [...this.runs.values()]
      .filter((r) => statuses.includes(r.status) && (after === undefined || r.runId > after))
      .sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0))
      .slice(0, limit);
  }
  async listUncleaned(limit: number) {
    return [...this.runs.values()].filter((r) => r.fleetCleanedUp === false).slice(0, limit);
  }
  readonly cursors = new Map<string, string>();
  async readCursor(name: string) {
    return this.cursors.get(name);
  }
  async writeCursor(name: string, value: string | undefined) {
    if (value === undefined) this.cursors.delete(name);
    else this.cursors.set(name, value);
  }
  async listUnannounced(limit: number) {
    return [...this.runs.values()].filter((r) => r.runFinishedPublished === false).slice(0, limit);
  }
  async deleteShards(runId: string, shards: readonly number[], count: number) {
    for (const s of shards) {
      if (!this.shards.get(runId)?.delete(s)) continue;
      const key = `${runId}/${s % tallyGroups(count)}`;
      this.tallies.set(key, (this.tallies.get(key) ?? 0) - 1);
    }
  }
}
