/**
 * Read-only questions about a run's shard records that the dashboard and the
 * terminal progress ask on every refresh. Each is an aggregation query or a
 * bounded page (DESIGN invariant 3: a refresh costs O(clusters), not O(shards)).
 */
import type { Firestore, Query } from '@google-cloud/firestore';
import type { ShardDocument } from './documents.ts';

/** Which shard records to count. */
export interface ShardFilter {
  cluster?: string;
  status?: ShardDocument['status'];
}

/** Shard records of a run, asked in bounded ways. */
export interface ShardQueries {
  /** How many shards are recorded (optionally on one cluster, with one status). */
  count(runId: string, filter?: ShardFilter): Promise<number>;
  /** Up to `limit` failed shards, in shard order. */
  failed(runId: string, limit: number): Promise<ShardDocument[]>;
  /** Up to `limit` succeeded shards that have failed parameter sets, in shard order. */
  withFailedParameters(runId: string, limit: number): Promise<ShardDocument[]>;
}

/** {@link ShardQueries} on Firestore (`runs/{runId}/shards`, document ids in shard order). */
export class FirestoreShardQueries implements ShardQueries {
  constructor(private readonly db: Firestore) {}

  private shards(runId: string) {
    return this.db.collection('runs').doc(runId).collection('shards');
  }

  async count(runId: string, filter: ShardFilter = {}): Promise<number> {
    let query: Query = this.shards(runId);
    if (filter.cluster !== undefined) query = query.where('cluster', '==', filter.cluster);
    if (filter.status !== undefined) query = query.where('status', '==', filter.status);
    const snap = await query.count().get();
    return snap.data().count;
  }

  async failed(runId: string, limit: number): Promise<ShardDocument[]> {
    // Equality only, so Firestore serves it without a composite index, in document id (= shard) order.
    const snap = await this.shards(runId).where('status', '==', 'failed').limit(limit).get();
    return snap.docs.map((d) => d.data() as ShardDocument);
  }

  async withFailedParameters(runId: string, limit: number): Promise<ShardDocument[]> {
    // An inequality orders by its own field first; shard order is restored here, within the page.
    const snap = await this.shards(runId).where('parametersFailed', '>', 0).limit(limit).get();
    return snap.docs.map((d) => d.data() as ShardDocument).sort((a, b) => a.shard - b.shard);
  }
}
