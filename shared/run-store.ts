/**
 * Run state in Firestore. Every write is keyed by stable ids: run creation and
 * shard recording are create-if-absent (`create()` fails with ALREADY_EXISTS),
 * status changes are guarded transitions, so redelivered events change nothing.
 */
import { FieldValue, type Firestore } from '@google-cloud/firestore';
import type { RunDocument, RunStatus, ShardDocument } from './documents.ts';
import { shardKey } from './ids.ts';
import { count } from './metering.ts';

const ALREADY_EXISTS = 6;

/** A change to a run document; a field set to null is removed. */
export type RunPatch = { [K in keyof RunDocument]?: RunDocument[K] | null };

function toFirestore(patch: RunPatch): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, v === null ? FieldValue.delete() : v]));
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
  /** Records a shard once; 'duplicate' when it was already recorded (first result wins). */
  recordShard(runId: string, doc: ShardDocument): Promise<'recorded' | 'duplicate'>;
  /** How many shards are recorded (aggregation query: no hot counter document). */
  countShards(runId: string, status?: ShardDocument['status']): Promise<number>;
  /** Every shard record, in shard order. */
  listShards(runId: string): Promise<ShardDocument[]>;
  /** Most recent runs first. */
  listRuns(limit: number): Promise<RunDocument[]>;
  /** Runs in one of `statuses` (reconcile's working set). */
  listRunsByStatus(statuses: readonly RunStatus[], limit: number): Promise<RunDocument[]>;
  /** Removes shard records (a retry re-opens failed shards). */
  deleteShards(runId: string, shards: readonly number[]): Promise<void>;
}

/** {@link RunStore} on Firestore (native mode). */
export class FirestoreRunStore implements RunStore {
  constructor(private readonly db: Firestore) {}

  private run(runId: string) {
    return this.db.collection('runs').doc(runId);
  }

  private shards(runId: string) {
    return this.run(runId).collection('shards');
  }

  async createRun(doc: RunDocument) {
    try {
      count('firestoreWrites');
      await this.run(doc.runId).create(doc);
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
    return snap.exists ? (snap.data() as RunDocument) : null;
  }

  async transition(runId: string, from: readonly RunStatus[], patch: RunPatch): Promise<RunDocument | null> {
    return this.db.runTransaction(async (tx) => {
      const ref = this.run(runId);
      const snap = await tx.get(ref);
      if (!snap.exists) return null;
      const current = snap.data() as RunDocument;
      if (!from.includes(current.status)) return null;
      count('firestoreWrites');
      tx.update(ref, toFirestore(patch));
      return applied(current, patch);
    });
  }

  async update(runId: string, patch: RunPatch): Promise<void> {
    count('firestoreWrites');
    await this.run(runId).update(toFirestore(patch));
  }

  async recordShard(runId: string, doc: ShardDocument): Promise<'recorded' | 'duplicate'> {
    try {
      count('firestoreWrites');
      await this.shards(runId).doc(shardKey(doc.shard)).create(doc);
      return 'recorded';
    } catch (error) {
      if ((error as { code?: number }).code === ALREADY_EXISTS) return 'duplicate';
      throw error;
    }
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

  async listRunsByStatus(statuses: readonly RunStatus[], limit: number): Promise<RunDocument[]> {
    const snap = await this.db.collection('runs').where('status', 'in', [...statuses]).limit(limit).get();
    return snap.docs.map((d) => d.data() as RunDocument);
  }

  async deleteShards(runId: string, shards: readonly number[]): Promise<void> {
    const writer = this.db.bulkWriter();
    count('firestoreWrites', shards.length);
    for (const shard of shards) void writer.delete(this.shards(runId).doc(shardKey(shard)));
    await writer.close();
  }

  async listRuns(limit: number): Promise<RunDocument[]> {
    const snap = await this.db.collection('runs').orderBy('createdAt', 'desc').limit(limit).get();
    return snap.docs.map((d) => d.data() as RunDocument);
  }
}
