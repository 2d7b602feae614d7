/**
 * Topics and subscriptions on the Pub/Sub emulator, built from the one topology
 * description (shared/topology.ts) with its local overrides: each Pub/Sub-driven
 * function behind a push subscription whose endpoint path names the topic (so the
 * Functions Framework turns the push into a CloudEvent); pull subscriptions keep
 * run-finished events and parked messages.
 */
import type { PubSub } from '@google-cloud/pubsub';
import { TOPIC_IDS, TOPIC_ROLES, type TopicRole } from '../../shared/messages.ts';
import { localTopology, pushSubscriptionId, type PushSubscription, type RecordSubscription } from '../../shared/topology.ts';
import type { StackFunction } from './state.ts';

/** The topology the local stack wires. */
const LOCAL = localTopology();

/** Which function each push subscription feeds, its ack deadline and delivery attempts, as wired locally. */
export const PUSH_SUBSCRIPTIONS: readonly PushSubscription[] = LOCAL.push;

/** Pull subscriptions that record what no function consumes. */
export const RECORD_SUBSCRIPTIONS: readonly RecordSubscription[] = LOCAL.records;

/** The subset of the emulator's client the wiring uses (tests record what it is asked to create). */
export type WiringClient = Pick<PubSub, 'createTopic' | 'topic'>;

/** Creates every topic and subscription (idempotent: existing ones are kept). */
export async function wireTopics(pubsub: WiringClient, projectId: string, functionUrls: Record<StackFunction, string>): Promise<Record<TopicRole, string>> {
  const topics = {} as Record<TopicRole, string>;
  for (const role of TOPIC_ROLES) {
    await ignoreExists(pubsub.createTopic(TOPIC_IDS[role]));
    topics[role] = `projects/${projectId}/topics/${TOPIC_IDS[role]}`;
  }
  for (const sub of LOCAL.push) {
    const pushEndpoint = `${functionUrls[sub.fn]}/projects/${projectId}/topics/${TOPIC_IDS[sub.role]}`;
    await ignoreExists(
      pubsub.topic(TOPIC_IDS[sub.role]).createSubscription(pushSubscriptionId(sub.role), {
        pushConfig: { pushEndpoint },
        ackDeadlineSeconds: sub.ackDeadlineSeconds,
        retryPolicy: { minimumBackoff: { seconds: LOCAL.retryBackoff.minimumSeconds }, maximumBackoff: { seconds: LOCAL.retryBackoff.maximumSeconds } },
        deadLetterPolicy: { deadLetterTopic: `projects/${projectId}/topics/${TOPIC_IDS[LOCAL.deadLetter]}`, maxDeliveryAttempts: sub.maxDeliveryAttempts },
      }),
    );
  }
  for (const sub of LOCAL.records) {
    await ignoreExists(pubsub.topic(TOPIC_IDS[sub.role]).createSubscription(sub.name, { ackDeadlineSeconds: sub.ackDeadlineSeconds }));
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
