/**
 * The guard every Pub/Sub-driven function runs behind, so a bad event can never
 * crash a function, loop forever or vanish:
 * - an event older than the age limit is parked (a retry storm cannot run forever);
 * - an undecodable message is parked with its reason, not retried;
 * - any other failure is recorded on the run (`lastError`) and rethrown, so
 *   Pub/Sub redelivers it with backoff, up to the subscription's
 *   maxDeliveryAttempts, after which its dead-letter policy parks it.
 * Parked messages go to the dead-letter topic as they came, with the reason.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { messageOf } from '../../shared/errors.ts';
import { RUN_ID_PATTERN } from '../../shared/ids.ts';
import { rawMessage, UndecodableMessageError, type PubSubEnvelope } from './decode.ts';
import type { Dependencies } from './deps.ts';

/** Events older than this are parked instead of handled (Pub/Sub keeps messages 7 days). */
export const MAX_EVENT_AGE_MILLISECONDS = 6 * 3600_000;

/** Why a message was parked (the `reason` attribute on the dead-letter topic). */
export type ParkReason = 'UNDECODABLE' | 'EVENT_TOO_OLD' | 'REQUEST_CONFLICT';

/** Publishes the message as it came to the dead-letter topic, with the reason. */
export async function parkMessage(deps: Dependencies, source: string, event: CloudEvent<unknown>, reason: ParkReason, detail: string): Promise<void> {
  const raw = rawMessage(event);
  await deps.bus.publish('deadLetter', { source, reason, detail, data: raw.data, attributes: raw.attributes }, { reason, source });
  deps.log.warn('message parked on the dead-letter topic', { source, reason, detail });
}

/** Wraps a Pub/Sub CloudEvent handler with the poison guard. */
export function guardPubSub(deps: Dependencies, source: string, handler: (event: CloudEvent<unknown>) => Promise<unknown>) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    const published = Date.parse(((event.data ?? {}) as PubSubEnvelope).message?.publishTime ?? '');
    if (Number.isFinite(published) && deps.now().getTime() - published > MAX_EVENT_AGE_MILLISECONDS) {
      await parkMessage(
        deps,
        source,
        event,
        'EVENT_TOO_OLD',
        `published ${new Date(published).toISOString()}, older than ${MAX_EVENT_AGE_MILLISECONDS / 3600_000} h`,
      );
      return;
    }
    try {
      await withinTimeout(handler(event), deps.config.handlerTimeoutMilliseconds, source);
    } catch (error) {
      if (error instanceof UndecodableMessageError) {
        await parkMessage(deps, source, event, 'UNDECODABLE', error.message);
        return;
      }
      const runId = runIdOf(event);
      deps.log.error('handler failed; the message will be redelivered', { source, runId, error: messageOf(error) });
      if (runId) await recordFailure(deps, runId, source, error);
      throw error;
    }
  };
}

/**
 * The same guard for a storage CloudEvent (ingest, fed by Eventarc, which retries
 * for up to a day): an event older than the age limit is parked as it came; any
 * failure is recorded on its run (`lastError`) and rethrown for Eventarc to retry.
 */
export function guardStorageEvent<T>(
  deps: Dependencies,
  source: string,
  runIdOf: (event: CloudEvent<T>) => string | undefined,
  handler: (event: CloudEvent<T>) => Promise<unknown>,
) {
  return async (event: CloudEvent<T>): Promise<void> => {
    const sent = Date.parse(event.time ?? '');
    if (Number.isFinite(sent) && deps.now().getTime() - sent > MAX_EVENT_AGE_MILLISECONDS) {
      const reason: ParkReason = 'EVENT_TOO_OLD';
      const detail = `sent ${new Date(sent).toISOString()}, older than ${MAX_EVENT_AGE_MILLISECONDS / 3600_000} h`;
      const data = Buffer.from(JSON.stringify(event.data ?? null)).toString('base64');
      await deps.bus.publish(
        'deadLetter',
        { source, reason, detail, data, attributes: { type: event.type, subject: event.subject ?? '' } },
        { reason, source },
      );
      deps.log.warn('event parked on the dead-letter topic', { source, reason, detail });
      return;
    }
    try {
      await withinTimeout(handler(event), deps.config.handlerTimeoutMilliseconds, source);
    } catch (error) {
      let runId: string | undefined;
      try {
        runId = runIdOf(event);
      } catch {
        runId = undefined;
      }
      deps.log.error('handler failed; the event will be delivered again', { source, runId, error: messageOf(error) });
      if (runId) await recordFailure(deps, runId, source, error);
      throw error;
    }
  };
}

async function recordFailure(deps: Dependencies, runId: string, source: string, error: unknown): Promise<void> {
  await deps.runs.update(runId, { lastError: { source, message: messageOf(error).slice(0, 1000), at: deps.now().toISOString() } }).catch(() => undefined);
}

/** A handler that did not answer in time: the message is redelivered (every handler is idempotent). */
export class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
}

/**
 * Settles with `work`, or fails after `timeoutMilliseconds`. The work itself goes on
 * (as on Cloud Functions after a timeout); its writes are idempotent, so the
 * redelivery and the late finish agree.
 */
async function withinTimeout(work: Promise<unknown>, timeoutMilliseconds: number | undefined, source: string): Promise<void> {
  if (timeoutMilliseconds === undefined) {
    await work;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HandlerTimeoutError(`${source} did not finish within ${timeoutMilliseconds / 1000} s; answering 500 so the message is redelivered`)),
      timeoutMilliseconds,
    );
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The run id of a message, when its payload names a valid one. */
function runIdOf(event: CloudEvent<unknown>): string | undefined {
  try {
    const body = JSON.parse(Buffer.from(rawMessage(event).data, 'base64').toString('utf8')) as { runId?: unknown; requestId?: unknown };
    const id = body.runId ?? body.requestId;
    return typeof id === 'string' && RUN_ID_PATTERN.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
