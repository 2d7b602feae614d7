/**
 * Who owns a shard. A run's shards are first placed as contiguous slices, one
 * Indexed Job per cluster (attempt 0, Job index = shard − offset); a re-dispatch
 * later hands scattered shards to a new Job (cluster, attempt) with an explicit
 * list (Job index = position in the list). The last hand-over wins: the owner of
 * a shard is the Job that should now compute it. Reconcile, the CLI's log lookup
 * and the progress read model all ask this one model, built from the run's
 * dispatch records (`placement`, `redispatches`).
 */
import type { RunDocument } from './documents.ts';
import { jobName } from './ids.ts';

/** One Job's index computing one shard. */
export interface ShardSlot {
  readonly shard: number;
  readonly cluster: string;
  readonly attempt: number;
  readonly job: string;
  /** The pod's JOB_COMPLETION_INDEX for this shard. */
  readonly index: number;
}

/** One Job (cluster, attempt) of the run and the shards it owns now. */
export interface OwningJob {
  readonly cluster: string;
  readonly attempt: number;
  readonly job: string;
  /** The shards this Job still owns (a later re-dispatch may have taken some), ascending. */
  readonly shards: readonly number[];
  /** Its shard list, in Job index order, when a re-dispatch gave it one; undefined for a placement's slice. */
  readonly list?: readonly number[];
  /** When it was asked for: the re-dispatch's time; undefined for the placement (the run's start). */
  readonly dispatchedAt?: string;
}

/** The dispatch records ownership is derived from. */
export type DispatchRecords = Pick<RunDocument, 'runId' | 'placement' | 'redispatches'>;

/** The shard ownership of one run. */
export class ShardOwnership {
  /** Every slot in dispatch order (placement first, then re-dispatches as recorded). */
  private readonly slots: readonly ShardSlot[];
  private readonly owners = new Map<number, ShardSlot>();
  private readonly jobsByName = new Map<string, { cluster: string; attempt: number; list?: number[]; dispatchedAt?: string }>();

  private constructor(run: DispatchRecords) {
    const slots: ShardSlot[] = [];
    for (const slice of run.placement ?? []) {
      // Job names are derived, never looked up: dispatch creates exactly this name (ids.ts).
      const job = jobName(run.runId, slice.cluster, 0);
      this.jobsByName.set(job, { cluster: slice.cluster, attempt: 0 });
      for (let index = 0; index < slice.count; index++) slots.push({ shard: slice.offset + index, cluster: slice.cluster, attempt: 0, job, index });
    }
    for (const r of run.redispatches ?? []) {
      const job = jobName(run.runId, r.cluster, r.attempt);
      // Re-recording the same (cluster, attempt) replaces its list: the Job is created once, with the last one.
      this.jobsByName.set(job, { cluster: r.cluster, attempt: r.attempt, list: r.shards, dispatchedAt: r.at });
      for (const [index, shard] of r.shards.entries()) slots.push({ shard, cluster: r.cluster, attempt: r.attempt, job, index });
    }
    this.slots = slots;
    for (const slot of slots) this.owners.set(slot.shard, slot);
  }

  /** The ownership recorded on `run`. */
  static of(run: DispatchRecords): ShardOwnership {
    return new ShardOwnership(run);
  }

  /** The slot that owns `shard` now; undefined when no dispatch record names it. */
  ownerOf(shard: number): ShardSlot | undefined {
    return this.owners.get(shard);
  }

  /** Every slot that was given `shard` (or every slot), in dispatch order: where its pods' logs are. */
  slotsOf(shard?: number): ShardSlot[] {
    return shard === undefined ? [...this.slots] : this.slots.filter((s) => s.shard === shard);
  }

  /** The Jobs that own at least one shard now, in the order they were first given one. */
  owningJobs(): OwningJob[] {
    const owned = new Map<string, number[]>();
    for (const slot of this.owners.values()) owned.set(slot.job, [...(owned.get(slot.job) ?? []), slot.shard]);
    return [...owned].map(([job, shards]) => this.describe(job, shards));
  }

  /**
   * `shards` grouped by the Job that owns each now, plus those no record names
   * (which are nobody's: lost by definition).
   */
  byOwner(shards: Iterable<number>): { owned: OwningJob[]; unowned: number[] } {
    const grouped = new Map<string, number[]>();
    const unowned: number[] = [];
    for (const shard of shards) {
      const owner = this.owners.get(shard);
      if (owner) grouped.set(owner.job, [...(grouped.get(owner.job) ?? []), shard]);
      else unowned.push(shard);
    }
    return { owned: [...grouped].map(([job, list]) => this.describe(job, list)), unowned };
  }

  /** How many shards each cluster owns now (clusters that were given shards but own none now count 0). */
  shardsByCluster(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { cluster } of this.jobsByName.values()) counts.set(cluster, 0);
    for (const { cluster } of this.owners.values()) counts.set(cluster, (counts.get(cluster) ?? 0) + 1);
    return counts;
  }

  private describe(job: string, shards: number[]): OwningJob {
    const { cluster, attempt, list, dispatchedAt } = this.jobsByName.get(job)!;
    return {
      cluster,
      attempt,
      job,
      shards: [...shards].sort((a, b) => a - b),
      ...(list ? { list } : {}),
      ...(dispatchedAt ? { dispatchedAt } : {}),
    };
  }
}
