/**
 * `ingest`: an object was finalized in the manifests bucket. A `.json` object is
 * a manifest; its run id derives from (bucket, object, generation), so the same
 * event twice is one run and a new generation is a new run. Other objects
 * (parameter files uploaded beside a manifest) are data and are ignored.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError } from '../../shared/errors.ts';
import { runIdForUpload } from '../../shared/ids.ts';
import { LIMITS } from '../../shared/limits.ts';
import { objectUri, ObjectNotFoundError, ObjectTooLargeError } from '../../shared/storage/object-store.ts';
import type { Dependencies } from '../pipeline/deps.ts';
import { startRun, type StartOutcome } from '../pipeline/start-run.ts';

/** The fields of a `google.cloud.storage.object.v1.finalized` event used here. */
export interface StorageObjectData {
  bucket: string;
  name: string;
  generation: string | number;
  size?: string | number;
}

/** The run id an upload event starts (undefined for an event without bucket, name or generation). */
export function ingestRunId(event: CloudEvent<StorageObjectData>): string | undefined {
  const data = event.data;
  if (!data?.bucket || !data.name || data.generation === undefined) return undefined;
  return runIdForUpload(data.bucket, data.name, String(data.generation));
}

/** Creates the ingest handler. */
export function createIngestHandler(deps: Dependencies) {
  return async (event: CloudEvent<StorageObjectData>): Promise<StartOutcome | 'ignored'> => {
    const data = event.data;
    if (!data?.bucket || !data.name || data.generation === undefined) {
      deps.log.error('finalize event without bucket, name or generation: ignored', { id: event.id });
      return 'ignored';
    }
    if (!data.name.toLowerCase().endsWith('.json')) {
      deps.log.debug('not a manifest (only .json objects are): ignored', { object: data.name });
      return 'ignored';
    }
    const generation = String(data.generation);
    const runId = runIdForUpload(data.bucket, data.name, generation);
    const log = deps.log.with({ runId });
    const origin = { kind: 'upload' as const, bucket: data.bucket, object: data.name, generation };
    const fallbackName =
      data.name
        .split('/')
        .pop()!
        .replace(/\.json$/i, '')
        .slice(0, 100) || runId;
    let bytes: Buffer;
    try {
      const uri = objectUri(data.bucket, data.name);
      const info = await deps.store.stat(uri);
      if (info && info.generation !== generation) {
        // The object was overwritten since this event: the newer generation has its own event and run.
        log.info('manifest generation superseded: ignored', { object: data.name, generation, current: info.generation });
        return 'ignored';
      }
      bytes = await deps.store.read(uri, { maxBytes: LIMITS.manifestBytes });
    } catch (error) {
      if (error instanceof ObjectTooLargeError) {
        const tooLarge = new PermanentError(
          'MANIFEST_TOO_LARGE',
          `${data.name} is ${error.size} bytes; the cap is ${error.maxBytes}. Move the parameter sets into a file source.`,
        );
        return startRun({ ...deps, log }, { runId, origin, manifest: { value: null }, manifestObject: data.name, fallbackName, rejectWith: tooLarge });
      }
      if (error instanceof ObjectNotFoundError) {
        log.warn('manifest object is gone: ignored', { object: data.name });
        return 'ignored';
      }
      throw error;
    }
    return startRun({ ...deps, log }, { runId, origin, manifest: { bytes }, manifestObject: data.name, fallbackName });
  };
}
