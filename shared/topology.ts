/**
 * The Pub/Sub topology of Altus, described once: which topic feeds which
 * function through a push subscription, how long a delivery may take, how often
 * and how soon a failing one is retried, where it is parked, and which topics
 * only keep records. The cloud's subscriptions (infra/constructs/messaging.ts,
 * infra/function-catalog.ts) and the local stack's (scripts/stack/wiring.ts) are
 * both built from it; where the local stack must differ, {@link LOCAL_OVERRIDES}
 * says so and why.
 */
import { TOPIC_IDS, type TopicRole } from './messages.ts';

/** The functions a push subscription feeds (their names are also their entry points). */
export type PushFunction = 'run-request' | 'dispatch' | 'collect' | 'aggregate' | 'reconcile';

/** One push subscription: a topic delivered to a function. */
export interface PushSubscription {
  readonly role: TopicRole;
  readonly fn: PushFunction;
  /**
   * How long one delivery may take before Pub/Sub redelivers it; the function's
   * timeout equals it, so no redelivery races a first delivery still running.
   */
  readonly ackDeadlineSeconds: number;
  /** Deliveries of one message before the dead-letter policy parks it (Pub/Sub allows 5 to 100). */
  readonly maxDeliveryAttempts: number;
}

/** A pull subscription that keeps what no function consumes, for people and alerts to read. */
export interface RecordSubscription {
  readonly role: TopicRole;
  readonly name: string;
  readonly ackDeadlineSeconds: number;
}

/** How soon Pub/Sub retries a failed push (exponential between the two). */
export interface RetryBackoff {
  readonly minimumSeconds: number;
  readonly maximumSeconds: number;
}

/** The whole topology. */
export interface Topology {
  readonly push: readonly PushSubscription[];
  readonly records: readonly RecordSubscription[];
  readonly retryBackoff: RetryBackoff;
  /** Where every push subscription parks a message after its last attempt. */
  readonly deadLetter: TopicRole;
}

/** The topology as deployed. */
export const TOPOLOGY: Topology = {
  push: [
    { role: 'runRequests', fn: 'run-request', ackDeadlineSeconds: 120, maxDeliveryAttempts: 10 },
    { role: 'dispatch', fn: 'dispatch', ackDeadlineSeconds: 60, maxDeliveryAttempts: 10 },
    // Completions are the bulk of the traffic: a burst that overloads collect must not park them early.
    { role: 'completions', fn: 'collect', ackDeadlineSeconds: 30, maxDeliveryAttempts: 20 },
    { role: 'aggregate', fn: 'aggregate', ackDeadlineSeconds: 600, maxDeliveryAttempts: 10 },
    // The next scheduler tick does the same work: a failing tick need not be retried long.
    { role: 'reconcile', fn: 'reconcile', ackDeadlineSeconds: 300, maxDeliveryAttempts: 5 },
  ],
  records: [
    { role: 'runFinished', name: 'altus-run-finished-records', ackDeadlineSeconds: 60 },
    { role: 'deadLetter', name: 'altus-dead-letter-records', ackDeadlineSeconds: 60 },
  ],
  retryBackoff: { minimumSeconds: 10, maximumSeconds: 600 },
  deadLetter: 'deadLetter',
};

/** What the local stack changes, each with the reason it must. */
export interface LocalOverrides {
  readonly ackDeadlineSeconds: Readonly<Partial<Record<PushFunction, { readonly seconds: number; readonly why: string }>>>;
  readonly retryBackoff: { readonly value: RetryBackoff; readonly why: string };
}

/** The local stack's departures from {@link TOPOLOGY}; everything else is the same. */
export const LOCAL_OVERRIDES: LocalOverrides = {
  ackDeadlineSeconds: {
    aggregate: {
      seconds: 120,
      why: 'the emulator redelivers a push whose handler died only after the ack deadline; 600 s would stall a test that crashes aggregate',
    },
  },
  retryBackoff: {
    value: { minimumSeconds: 1, maximumSeconds: 5 },
    why: 'a message that keeps failing must use up its delivery attempts within a test (about 40 s for 10 attempts, not an hour)',
  },
};

/** {@link TOPOLOGY} with {@link LOCAL_OVERRIDES} applied: what the local stack wires. */
export function localTopology(): Topology {
  return {
    ...TOPOLOGY,
    push: TOPOLOGY.push.map((sub) => ({ ...sub, ackDeadlineSeconds: LOCAL_OVERRIDES.ackDeadlineSeconds[sub.fn]?.seconds ?? sub.ackDeadlineSeconds })),
    retryBackoff: LOCAL_OVERRIDES.retryBackoff.value,
  };
}

/** The push subscription that feeds `fn` in `topology`. */
export function pushSubscriptionOf(fn: PushFunction, topology: Topology = TOPOLOGY): PushSubscription {
  const sub = topology.push.find((s) => s.fn === fn);
  if (!sub) throw new Error(`no push subscription feeds ${fn}`);
  return sub;
}

/** A push subscription's id: its topic's, with `-push`. */
export function pushSubscriptionId(role: TopicRole): string {
  return `${TOPIC_IDS[role]}-push`;
}
