/**
 * `run-request`: a run published on Pub/Sub, `{"requestId", "manifest"}` or
 * `{"requestId", "manifestUri"}`. The request id is the run id: the same request
 * twice is one run; the same id with another manifest is parked as a conflict
 * (dead-letter topic, with the reason) and the existing run is left untouched.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError } from '../../shared/errors.ts';
import { LIMITS } from '../../shared/limits.ts';
import { runRequestSchema } from '../../shared/messages.ts';
import { ObjectNotFoundError, ObjectTooLargeError, parseObjectUri } from '../../shared/storage/object-store.ts';
import { decodePubSubJson } from '../pipeline/decode.ts';
import { parkMessage } from '../pipeline/poison-guard.ts';
import type { Dependencies } from '../pipeline/deps.ts';
import { startRun, type StartOutcome } from '../pipeline/start-run.ts';

/** Creates the run-request handler. */
export function createRunRequestHandler(deps: Dependencies) {
  return async (event: CloudEvent<unknown>): Promise<StartOutcome | 'parked'> => {
    // Without a valid requestId there is no run to record a rejection on: the poison guard parks it with the reason.
    const request = decodePubSubJson(event, runRequestSchema);
    const runId = request.requestId;
    const log = deps.log.with({ runId });
    const origin = { kind: 'request' as const, requestId: runId };
    let outcome: StartOutcome;
    if ('manifest' in request) {
      outcome = await startRun({ ...deps, log }, { runId, origin, manifest: { value: request.manifest }, manifestObject: null, fallbackName: runId });
    } else {
      let bytes: Buffer;
      let object: string | null = null;
      try {
        const address = parseObjectUri(request.manifestUri);
        object = address.bucket === deps.config.buckets.manifests ? address.name : null;
        bytes = await deps.store.read(request.manifestUri, { maxBytes: LIMITS.manifestBytes });
      } catch (error) {
        if (error instanceof ObjectTooLargeError || error instanceof ObjectNotFoundError || /gs:\/\/|object name/.test((error as Error).message)) {
          const code = error instanceof ObjectTooLargeError ? 'MANIFEST_TOO_LARGE' : 'MANIFEST_INVALID';
          const reason = new PermanentError(code, `manifestUri: ${(error as Error).message}`);
          return startRun({ ...deps, log }, { runId, origin, manifest: { value: null }, manifestObject: null, fallbackName: runId, rejectWith: reason });
        }
        throw error;
      }
      outcome = await startRun({ ...deps, log }, { runId, origin, manifest: { bytes }, manifestObject: object, fallbackName: runId });
    }
    if (outcome === 'conflict') {
      log.warn('run request parked: this requestId already started a run with a different manifest', { requestId: runId });
      await parkMessage(deps, 'run-request', event, 'REQUEST_CONFLICT', `requestId ${runId} already names a run with a different manifest`);
    }
    return outcome;
  };
}
