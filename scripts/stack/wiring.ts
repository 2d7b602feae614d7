/**
 * Topics and push subscriptions on the Pub/Sub emulator, wired as the cloud
 * deployment wires them: each Pub/Sub-driven function behind a push subscription
 * whose endpoint path names the topic (so the Functions Framework turns the push
 * into a CloudEvent), with an ack deadline that fits the handler; pull
 * subscriptions keep run-finished events and parked messages.
 */
import type { PubSub } from '@google-cloud/pubsub';
import { TOPIC_IDS, TOPIC_ROLES, type TopicRole } from '../../shared/messages.ts';
import type { StackFunction } from './state.ts';

/** Deliveries of one message before its subscription parks it on the dead-letter topic. */
export const MAX_DELIVERY_ATTEMPTS = 5;

/** Which function each push subscription feeds, and its ack deadline. */
export const PUSH_SUBSCRIPTIONS: ReadonlyArray<{ role: TopicRole; fn: StackFunction; ackDeadlineSeconds: number }> = [
  { role: 'runRequests', fn: 'run-request', ackDeadlineSeconds: 120 },
  { role: 'dispatch', fn: 'dispatch', ackDeadlineSeconds: 60 },
  { role: 'completions', fn: 'collect', ackDeadlineSeconds: 30 },
  // Shorter than the cloud's 600 s: the emulator redelivers a push whose handler died only after the deadline.
  { role: 'aggregate', fn: 'aggregate', ackDeadlineSeconds: 120 },
  { role: 'reconcile', fn: 'reconcile', ackDeadlineSeconds: 300 },
];

/** Pull subscriptions that record what no function consumes. */
export const RECORD_SUBSCRIPTIONS: ReadonlyArray<{ role: TopicRole; name: string }> = [
  { role: 'runFinished', name: 'altus-run-finished-records' },
  { role: 'deadLetter', name: 'altus-dead-letter-records' },
];

/** Creates every topic and subscription (idempotent: existing ones are kept). */
export async function wireTopics(pubsub: PubSub, projectId: string, functionUrls: Record<StackFunction, string>): Promise<Record<TopicRole, string>> {
  const topics = {} as Record<TopicRole, string>;
  for (const role of TOPIC_ROLES) {
    await ignoreExists(pubsub.createTopic(TOPIC_IDS[role]));
    topics[role] = `projects/${projectId}/topics/${TOPIC_IDS[role]}`;
  }
  for (const sub of PUSH_SUBSCRIPTIONS) {
    const pushEndpoint = `${functionUrls[sub.fn]}/projects/${projectId}/topics/${TOPIC_IDS[sub.role]}`;
    await ignoreExists(
      pubsub.topic(TOPIC_IDS[sub.role]).createSubscription(`${TOPIC_IDS[sub.role]}-push`, {
        pushConfig: { pushEndpoint },
        ackDeadlineSeconds: sub.ackDeadlineSeconds,
        retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 60 } },
        // As in the cloud: a message that keeps failing is parked after a bounded number of deliveries.
        deadLetterPolicy: { deadLetterTopic: `projects/${projectId}/topics/${TOPIC_IDS.deadLetter}`, maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS },
      }),
    );
  }
  for (const sub of RECORD_SUBSCRIPTIONS) {
    await ignoreExists(pubsub.topic(TOPIC_IDS[sub.role]).createSubscription(sub.name, { ackDeadlineSeconds: 60 }));
  }
  return topics;
}

async function ignoreExists(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if ((error as { code?: number }).code !== 6) throw error;
  }
}
