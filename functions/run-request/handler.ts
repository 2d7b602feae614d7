/**
 * `run-request`: a run published on Pub/Sub, `{"requestId", "manifest"}` or
 * `{"requestId", "manifestUri"}`. The request id is the run id: the same request
 * twice is one run; the same id with another manifest is parked as a conflict
 * (dead-letter topic, with the reason) and the existing run is left untouched.
 * A manifest that breaks a limit, and a `manifestUri` outside the manifests
 * bucket (and the configured prefixes), end as a REJECTED run with its reason
 * and a run-finished event, exactly as a rejected upload does.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError } from '../../shared/errors.ts';
import { LIMITS } from '../../shared/limits.ts';
import { InvalidObjectUriError, ObjectNotFoundError, ObjectTooLargeError, parseObjectUri } from '../../shared/storage/object-store.ts';
import { decodeRunRequest } from './decode-request.ts';
import { parkMessage } from '../pipeline/poison-guard.ts';
import type { Dependencies } from '../pipeline/deps.ts';
import { startRun, type StartOutcome } from '../pipeline/start-run.ts';

/** Creates the run-request handler. */
export function createRunRequestHandler(deps: Dependencies) {
  return async (event: CloudEvent<unknown>): Promise<StartOutcome | 'parked'> => {
    // Without a valid requestId there is no run to record a rejection on: the poison guard parks it with the reason.
    const decoded = decodeRunRequest(event);
    if ('rejected' in decoded) {
      const { requestId: runId, reason, manifestHash } = decoded.rejected;
      const log = deps.log.with({ runId });
      const origin = { kind: 'request' as const, requestId: runId };
      const outcome = await startRun(
        { ...deps, log },
        { runId, origin, manifest: { value: null }, manifestHash, manifestObject: null, fallbackName: runId, rejectWith: reason },
      );
      return outcome === 'conflict' ? conflict(deps, event, runId) : outcome;
    }
    const request = decoded.request;
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
        if (object === null && !(deps.config.manifestUriPrefixes ?? []).some((prefix) => request.manifestUri.startsWith(prefix))) {
          const allowed = [`gs://${deps.config.buckets.manifests}/`, ...(deps.config.manifestUriPrefixes ?? [])].join(', ');
          const reason = new PermanentError(
            'MANIFEST_INVALID',
            `manifestUri: ${request.manifestUri} is outside the manifests bucket; a run request may name a manifest under ${allowed}`,
          );
          return startRun(
            { ...deps, log },
            {
              runId,
              origin,
              manifest: { value: null },
              manifestHash: `uri:${request.manifestUri}`,
              manifestObject: null,
              fallbackName: runId,
              rejectWith: reason,
            },
          );
        }
        bytes = await deps.store.read(request.manifestUri, { maxBytes: LIMITS.manifestBytes });
      } catch (error) {
        if (error instanceof ObjectTooLargeError || error instanceof ObjectNotFoundError || error instanceof InvalidObjectUriError) {
          const code = error instanceof ObjectTooLargeError ? 'MANIFEST_TOO_LARGE' : 'MANIFEST_INVALID';
          const reason = new PermanentError(code, `manifestUri: ${(error as Error).message}`);
          return startRun({ ...deps, log }, { runId, origin, manifest: { value: null }, manifestObject: null, fallbackName: runId, rejectWith: reason });
        }
        throw error;
      }
      outcome = await startRun({ ...deps, log }, { runId, origin, manifest: { bytes }, manifestObject: object, fallbackName: runId });
    }
    return outcome === 'conflict' ? conflict(deps, event, runId) : outcome;
  };
}

/** This requestId already started a run with another manifest: park the request with the reason, leave the run alone. */
async function conflict(deps: Dependencies, event: CloudEvent<unknown>, runId: string): Promise<'conflict'> {
  deps.log.warn('run request parked: this requestId already started a run with a different manifest', { requestId: runId });
  await parkMessage(deps, 'run-request', event, 'REQUEST_CONFLICT', `requestId ${runId} already names a run with a different manifest`);
  return 'conflict';
}
