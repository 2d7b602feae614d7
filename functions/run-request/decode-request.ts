/**
 * Decoding a run request at the edge, with the manifest's limits checked on the
 * message text before anything builds or walks the value (shared/json-scan.ts):
 * nesting depth, keys per object, a key given twice, a number that overflows.
 *
 * A request whose manifest (or envelope) breaks one of them, but which names a
 * usable `requestId`, is a run to reject with its reason, exactly as the same
 * manifest uploaded; without a usable `requestId` there is no run to record it
 * on, and the message is undecodable (parked with its reason). No message
 * quotes the content it could not parse.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { PermanentError } from '../../shared/errors.ts';
import { digest, isValidRunId } from '../../shared/ids.ts';
import { scanJson } from '../../shared/json-scan.ts';
import { LIMITS } from '../../shared/limits.ts';
import { describeIssues } from '../../shared/manifest.ts';
import { runRequestSchema, type RunRequest } from '../../shared/messages.ts';
import { manifestProblem } from '../../jobs/planning/decode.ts';
import { UndecodableMessageError, type PubSubEnvelope } from '../pipeline/decode.ts';

/** A request to start, or one to reject with its reason (`manifestHash`: of the message, for idempotency). */
export type DecodedRunRequest = { request: RunRequest } | { rejected: { requestId: string; reason: PermanentError; manifestHash: string } };

/** The request envelope sits one level above the manifest: its limits are the manifest's, one level deeper. */
const REQUEST_SCAN_LIMITS = { maxDepth: LIMITS.jsonDepth + 1, maxKeys: LIMITS.objectKeys } as const;

/** Decodes a run-request CloudEvent; throws {@link UndecodableMessageError} when there is no run to reject. */
export function decodeRunRequest(event: CloudEvent<unknown>): DecodedRunRequest {
  const base64 = ((event.data ?? {}) as PubSubEnvelope).message?.data;
  if (!base64) throw new UndecodableMessageError('the Pub/Sub message has no data');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > LIMITS.manifestBytes) {
    throw new UndecodableMessageError(`the run request is ${bytes.length} bytes; the cap is ${LIMITS.manifestBytes} (publish a manifestUri instead)`);
  }
  const text = bytes.toString('utf8');
  const scan = scanJson(text, REQUEST_SCAN_LIMITS);
  const requestId = scan.topLevelStrings.get('requestId');
  if (scan.problem) {
    const problem = scan.problem;
    const trusted = requestId !== undefined && isValidRunId(requestId) && !(problem.path === '' && problem.key === 'requestId');
    const reason = manifestProblem(scan, 'the run request');
    if (!trusted) throw new UndecodableMessageError(reason.message);
    return { rejected: { requestId, reason, manifestHash: digest(bytes.toString('latin1')) } };
  }
  const parsed = runRequestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UndecodableMessageError(`the message does not match its schema: ${describeIssues(parsed.error.issues)}`);
  return { request: parsed.data };
}
