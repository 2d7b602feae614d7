/**
 * Run state in Firestore. Every write is keyed by stable ids: run creation and
 * shard recording are create-if-absent (`create()` fails with ALREADY_EXISTS),
 * status changes are guarded transitions, so redelivered events change nothing.
 */
import { FieldPath, FieldValue, type Firestore } from '@google-cloud/firestore';
import type { RunDocument, RunRedispatch, RunStatus, ShardDocument } from './documents.ts';
import { shardKey } from './ids.ts';
import { NO_METER, type Meter } from './metering.ts';
import { formatShardList, parseShardList } from './shard-list.ts';

const ALREADY_EXISTS = 6;

/**
 * Completion tallies: each recorded shard also increments the tally of its group
 * (shard mod groups), in the same atomic batch as the shard record, so a tally
 * never counts a shard that is not recorded, nor one twice; deleting records (a
 * retry re-opens failed shards) takes them off their tallies in the same
 * transaction, so the tallies always equal the records. Collect reads one small
 * tally per completion instead of counting the shard documents (a count query
 * scans its index: at 10,000 shards it took 155 ms on the emulator, and a count
 * per completion made a run quadratic), and reconcile reads the tallies before
 * it reads any shard record. The final word is still a count, taken once per
 * run. Groups ≈ √shards keeps each tally at a few
 * writes per second at the fleet's peak rate (Firestore's per-document guideline
 * is about one sustained write per second) and the sum of all tallies cheap.
 */
export function tallyGroups(shards: number): number {
  return Math.max(1, Math.min(256, Math.ceil(Math.sqrt(shards))));
}

/** How many of the run's shards fall in tally group `group`. */
export function tallyGroupSize(shards: number, group: number): number {
  const groups = tallyGroups(shards);
  return group < shards ? Math.floor((shards - 1 - group) / groups) + 1 : 0;
}

/** A change to a run document; a field set to null is removed. */
export type RunPatch = { [K in keyof RunDocument]?: RunDocument[K] | null };

/**
 * A run document as stored. A re-dispatch's shards are kept in the `ALTUS_SHARD_LIST`
 * format (`0-99,105`), not as an array: Firestore counts 8 bytes per array number and a
 * document may hold 1 MiB, so 50,000 shards of a lost cluster in one array would be
 * 400 KB, and two such losses would make the run unwritable. As ranges they are a few bytes.
 */
type StoredRedispatch = Omit<RunRedispatch, 'shards'> & { shards: string | number[] };

function encodeRedispatches(records: readonly RunRedispatch[]): StoredRedispatch[] {
  return records.map((r) => ({ ...r, shards: formatShardList(r.shards) }));
}

/** Decodes a stored run; runs written before the range format (number arrays) read as they were. */
export function decodeRun(data: Record<string, unknown>): RunDocument {
  const stored = data.redispatches as StoredRedispatch[] | undefined;
  if (!stored) return data as unknown as RunDocument;
  const redispatches = stored.map((r) => ({ ...r, shards: typeof r.shards === 'string' ? parseShardList(r.shards).toArray() : r.shards }));
  return { ...data, redispatches } as unknown as RunDocument;
}

/** The Firestore form of a run document or patch: null removes a field, re-dispatches are encoded. */
function toFirestore(patch: RunPatch | RunDocument): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(patch).map(([k, v]) => [
      k,
      v === null ? FieldValue.delete() : k === 'redispatches' && Array.isArray(v) ? encodeRedispatches(v as RunRedispatch[]) : v,
    ]),
  );
}

function applied(current: RunDocument, patch: RunPatch): RunDocument {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  return next as unknown as RunDocument;
}

/** The store of runs and their shard records. */
export interface RunStore {
  /** Creates the run; 'exists' (with the stored document) when it was already there. */
  createRun(doc: RunDocument): Promise<{ outcome: 'created' } | { outcome: 'exists'; existing: RunDocument }>;
  getRun(runId: string): Promise<RunDocument | null>;
  /**
   * Applies `patch` only if the run's status is one of `from`; returns the updated
   * document, or null when the guard did not hold (someone else moved it first).
   */
  transition(runId: string, from: readonly RunStatus[], patch: RunPatch): Promise<RunDocument | null>;
  /** Unconditional merge of fields that do not change the status. */
  update(runId: string, patch: RunPatch): Promise<void>;
  /**
   * Records a shard once and tallies it (see {@link tallyGroups}; `shards` is the
   * run's shard count); 'duplicate' when it was already recorded (first result wins).
   */
  recordShard(runId: string, doc: ShardDocument, shards: number): Promise<'recorded' | 'duplicate'>;
  /** The tally of a shard's group: at least the recorded shards of that group (more only after deleted records). */
  groupTally(runId: string, shards: number, shard: number): Promise<number>;
  /** The sum of every group's tally. */
  totalTally(runId: string, shards: number): Promise<number>;
  /** How many shards are recorded (aggregation query: exact, but it scans; not per completion). */
  countShards(runId: string, status?: ShardDocument['status']): Promise<number>;
  /** Every shard record, in shard order. */
  listShards(runId: string): Promise<ShardDocument[]>;
  /** Most recent runs first. */
  listRuns(limit: number): Promise<RunDocument[]>;
  /**
   * Runs in one of `statuses` (reconcile's working set), in run-id order, starting
   * after the run id `after` when given: a page of at most `limit`.
   */
  listRunsByStatus(statuses: readonly RunStatus[], limit: number, after?: string): Promise<RunDocument[]>;
  /** Finished runs whose run-finished event is not yet published (`runFinishedPublished: false`). */
  listUnannounced(limit: number): Promise<RunDocument[]>;
  /** Finished runs whose unfinished Jobs are not yet deleted (`fleetCleanedUp: false`). */
  listUncleaned(limit: number): Promise<RunDocument[]>;
  /** A named position reconcile keeps between ticks (the last run id of its previous page), if any. */
  readCursor(name: string): Promise<string | undefined>;
  /** Stores a named position; undefined clears it (the next page starts from the first run). */
  writeCursor(name: string, value: string | undefined): Promise<void>;
  /**
   * Removes shard records and takes them off their tallies (a retry re-opens
   * failed shards). Idempotent: records already gone change nothing.
   */
  deleteShards(runId: string, shards: readonly number[], shardCount: number): Promise<void>;
}

/** {@link RunStore} on Firestore (native mode). */
export class FirestoreRunStore implements RunStore {
  /** `meter` counts the documents written (the benchmarks read it). */
  constructor(
    private readonly db: Firestore,
    private readonly meter: Meter = NO_METER,
  ) {}

  private run(runId: string) {
    return this.db.collection('runs').doc(runId);
  }

  private shards(runId: string) {
    return this.run(runId).collection('shards');
  }

  async createRun(doc: RunDocument) {
    try {
      this.meter.count('firestoreWrites');
      await this.run(doc.runId).create(toFirestore(doc));
      return { outcome: 'created' as const };
    } catch (error) {
      if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
      const existing = await this.getRun(doc.runId);
      if (!existing) throw new Error(`run ${doc.runId} exists but cannot be read`, { cause: error });
      return { outcome: 'exists' as const, existing };
    }
  }

  async getRun(runId: string): Promise<RunDocument | null> {
    const snap = await this.run(runId).get();
    return snap.exists ? decodeRun(snap.data()!) : null;
  }

  /**
   * Calls `listener` with the run document now and on every change (a Firestore
   * listener: no polling, so a long wait costs the database nothing while the run
   * document is unchanged). Returns the function that stops listening.
   */
  watchRun(runId: string, listener: (run: RunDocument | null) => void, onError: (error: Error) => void): () => void {
    return this.run(runId).onSnapshot((snap) => listener(snap.exists ? decodeRun(snap.data()!) : null), onError);
  }

  async transition(runId: string, from: readonly RunStatus[], patch: RunPatch): Promise<RunDocument | null> {
    const updated = await this.db.runTransaction(async (tx) => {
      const ref = this.run(runId);
      const snap = await tx.get(ref);
      if (!snap.exists) return null;
      const current = decodeRun(snap.data()!);
      if (!from.includes(current.status)) return null;
      tx.update(ref, toFirestore(patch));
      return applied(current, patch);
    });
    // Counted once committed: a transaction retried after contention runs its body again.
    if (updated) this.meter.count('firestoreWrites');
    return updated;
  }

  async update(runId: string, patch: RunPatch): Promise<void> {
    this.meter.count('firestoreWrites');
    await this.run(runId).update(toFirestore(patch));
  }

  private tally(runId: string, group: number) {
    return this.run(runId).collection('tallies').doc(String(group));
  }

  async recordShard(runId: string, doc: ShardDocument, shards: number): Promise<'recorded' | 'duplicate'> {
    try {
      this.meter.count('firestoreWrites', 2);
      const batch = this.db.batch();
      batch.create(this.shards(runId).doc(shardKey(doc.shard)), doc);
      batch.set(this.tally(runId, doc.shard % tallyGroups(shards)), { count: FieldValue.increment(1) }, { merge: true });
      await batch.commit();
      return 'recorded';
    } catch (error) {
      if ((error as { code?: number }).code === ALREADY_EXISTS) return 'duplicate';
      throw error;
    }
  }

  async groupTally(runId: string, shards: number, shard: number): Promise<number> {
    const snap = await this.tally(runId, shard % tallyGroups(shards)).get();
    return (snap.get('count') as number | undefined) ?? 0;
  }

  async totalTally(runId: string, shards: number): Promise<number> {
    const refs = Array.from({ length: tallyGroups(shards) }, (_, g) => this.tally(runId, g));
    const snaps = await this.db.getAll(...refs);
    return snaps.reduce((total, snap) => total + ((snap.get('count') as number | undefined) ?? 0), 0);
  }

  async countShards(runId: string, status?: ShardDocument['status']): Promise<number> {
    const query = status ? this.shards(runId).where('status', '==', status) : this.shards(runId);
    const snap = await query.count().get();
    return snap.data().count;
  }

  async listShards(runId: string): Promise<ShardDocument[]> {
    const snap = await this.shards(runId).orderBy('shard').get();
    return snap.docs.map((d) => d.data() as ShardDocument);
  }

  async listRunsByStatus(statuses: readonly RunStatus[], limit: number, after?: string): Promise<RunDocument[]> {
    let query = this.db
      .collection('runs')
      .where('status', 'in', [...statuses])
      .orderBy(FieldPath.documentId());
    if (after !== undefined) query = query.startAfter(after);
    const snap = await query.limit(limit).get();
    return snap.docs.map((d) => decodeRun(d.data()));
  }

  async listUncleaned(limit: number): Promise<RunDocument[]> {
    const snap = await this.db.collection('runs').where('fleetCleanedUp', '==', false).limit(limit).get();
    return snap.docs.map((d) => decodeRun(d.data()));
  }

  async readCursor(name: string): Promise<string | undefined> {
    const snap = await this.db.collection('cursors').doc(name).get();
    const value = snap.get('value') as unknown;
    return typeof value === 'string' ? value : undefined;
  }

  async writeCursor(name: string, value: string | undefined): Promise<void> {
    await this.db
      .collection('cursors')
      .doc(name)
      .set({ value: value ?? null });
    this.meter.count('firestoreWrites');
  }

  async deleteShards(runId: string, shards: readonly number[], shardCount: number): Promise<void> {
    const groups = tallyGroups(shardCount);
    // A transaction holds at most 500 writes: 200 records and their (≤ 200) tallies fit.
    for (let i = 0; i < shards.length; i += 200) {
      const refs = shards.slice(i, i + 200).map((shard) => this.shards(runId).doc(shardKey(shard)));
      const written = await this.db.runTransaction(async (tx) => {
        const snaps = await tx.getAll(...refs);
        const byGroup = new Map<number, number>();
        for (const snap of snaps) {
          if (!snap.exists) continue;
          const group = (snap.get('shard') as number) % groups;
          byGroup.set(group, (byGroup.get(group) ?? 0) + 1);
          tx.delete(snap.ref);
        }
        for (const [group, n] of byGroup) tx.set(this.tally(runId, group), { count: FieldValue.increment(-n) }, { merge: true });
        return snaps.filter((snap) => snap.exists).length + byGroup.size;
      });
      this.meter.count('firestoreWrites', written);
    }
  }

  async listUnannounced(limit: number): Promise<RunDocument[]> {
    const snap = await this.db.collection('runs').where('runFinishedPublished', '==', false).limit(limit).get();
    return snap.docs.map((d) => decodeRun(d.data()));
  }

  async listRuns(limit: number): Promise<RunDocument[]> {
    const snap = await this.db.collection('runs').orderBy('createdAt', 'desc').limit(limit).get();
    return snap.docs.map((d) => decodeRun(d.data()));
  }
}
