/**
 * The local stand-in for Eventarc: delivers a `google.cloud.storage.object.v1.finalized`
 * CloudEvent (binary content mode, as Eventarc sends it) to the ingest function,
 * retrying with backoff until it is acknowledged.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectInfo } from '../../shared/storage/object-store.ts';
import { sleep } from './processes.ts';

/**
 * Posts the finalize event for `object` to `url`, retrying with capped exponential
 * backoff (Eventarc retries for up to a day; locally we give up after `budgetMilliseconds`).
 */
export async function deliverFinalized(url: string, object: ObjectInfo, budgetMilliseconds = 300_000): Promise<void> {
  const deadline = Date.now() + budgetMilliseconds;
  const body = JSON.stringify({
    kind: 'storage#object',
    bucket: object.bucket,
    name: object.name,
    generation: object.generation,
    size: String(object.size),
    contentType: 'application/json',
    timeCreated: new Date().toISOString(),
    updated: new Date().toISOString(),
  });
  const headers = {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': randomUUID(),
    'ce-type': 'google.cloud.storage.object.v1.finalized',
    'ce-source': `//storage.googleapis.com/projects/_/buckets/${object.bucket}`,
    'ce-subject': `objects/${object.name}`,
    'ce-time': new Date().toISOString(),
  };
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    let reason: string;
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(300_000) });
      if (res.ok) return;
      reason = `HTTP ${res.status}`;
    } catch (error) {
      reason = (error as Error).message;
    }
    if (Date.now() + delay > deadline) throw new Error(`ingest did not accept the upload event after ${attempt} attempts (${reason})`);
    await sleep(delay);
    delay = Math.min(delay * 2, 10_000);
  }
}
