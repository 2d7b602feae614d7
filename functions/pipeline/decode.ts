/**
 * Decoding events at the edge: CloudEvent → Pub/Sub message → base64 → JSON →
 * schema. A message that cannot be decoded is permanent: logged with its reason
 * and acknowledged, never retried forever.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { z } from 'zod';
import { problemText, scanJson } from '../../shared/json-scan.ts';
import { describeIssues } from '../../shared/manifest.ts';

/** The Pub/Sub payload of a `messagePublished` CloudEvent. */
export interface PubSubEnvelope {
  message?: { data?: string; attributes?: Record<string, string>; messageId?: string; publishTime?: string };
  subscription?: string;
}

/** The message cannot be decoded; retrying cannot help. */
export class UndecodableMessageError extends Error {
  override readonly name = 'UndecodableMessageError';
}

/** Decodes a Pub/Sub CloudEvent's data as JSON matching `schema`. */
export function decodePubSubJson<T>(event: CloudEvent<unknown>, schema: z.ZodType<T>): T {
  const data = (event.data ?? {}) as PubSubEnvelope;
  const base64 = data.message?.data;
  if (!base64) throw new UndecodableMessageError('the Pub/Sub message has no data');
  let value: unknown;
  const text = Buffer.from(base64, 'base64').toString('utf8');
  try {
    value = JSON.parse(text);
  } catch (cause) {
    // JSON.parse's message quotes the text; the scan says where without quoting it.
    const problem = scanJson(text, { maxDepth: Number.MAX_SAFE_INTEGER, maxKeys: Number.MAX_SAFE_INTEGER }).problem;
    throw new UndecodableMessageError(`the message is not JSON${problem ? `: ${problemText(problem)}` : ''}`, { cause });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UndecodableMessageError(`the message does not match its schema: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** The raw bytes of a Pub/Sub CloudEvent's message (for parking it as it came). */
export function rawMessage(event: CloudEvent<unknown>): { data: string; attributes: Record<string, string> } {
  const data = (event.data ?? {}) as PubSubEnvelope;
  return { data: data.message?.data ?? '', attributes: data.message?.attributes ?? {} };
}
