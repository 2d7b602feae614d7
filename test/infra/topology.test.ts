/**
 * One Pub/Sub topology (shared/topology.ts) builds both the cloud's subscriptions
 * and the local stack's: the synthesized stack's subscriptions are exactly the
 * description, the emulator is wired with exactly the description plus its stated
 * local overrides, and the two agree on everything the overrides do not name
 * (delivery attempts above all).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOPIC_IDS } from '../../shared/messages.ts';
import { LOCAL_OVERRIDES, TOPOLOGY, localTopology, pushSubscriptionId, type Topology } from '../../shared/topology.ts';
import { at, referencesIn, resourcesOf } from '../../infra/synthesized.ts';
import { wireTopics, type WiringClient } from '../../scripts/stack/wiring.ts';
import { synthFleet } from './fleet-fixture.ts';

const { parsed } = synthFleet();

/** A subscription as both sides can state it. */
interface Wired {
  name: string;
  topic: string;
  ackDeadlineSeconds: number;
  push?: { fn: string; maxDeliveryAttempts: number; deadLetterTopic: string; backoff: [number, number] };
}

/** What a topology says should exist, in the form both sides can be read back into. */
function expected(topology: Topology): Wired[] {
  const { minimumSeconds, maximumSeconds } = topology.retryBackoff;
  return [
    ...topology.push.map((s) => ({
      name: pushSubscriptionId(s.role),
      topic: TOPIC_IDS[s.role],
      ackDeadlineSeconds: s.ackDeadlineSeconds,
      push: {
        fn: s.fn,
        maxDeliveryAttempts: s.maxDeliveryAttempts,
        deadLetterTopic: TOPIC_IDS[topology.deadLetter],
        backoff: [minimumSeconds, maximumSeconds] as [number, number],
      },
    })),
    ...topology.records.map((r) => ({ name: r.name, topic: TOPIC_IDS[r.role], ackDeadlineSeconds: r.ackDeadlineSeconds })),
  ].sort((a, b) => a.name.localeCompare(b.name));
}

/** The name of the topic resource a reference points at. */
function topicName(ref: unknown): string {
  const [address] = referencesIn(ref);
  const topic = resourcesOf(parsed, 'google_pubsub_topic').find((t) => t.address === address);
  assert.ok(topic, `no topic behind ${String(ref)}`);
  return String(topic.body.name);
}

function synthesized(): Wired[] {
  const seconds = (d: unknown) => Number(String(d).replace(/s$/, ''));
  return resourcesOf(parsed, 'google_pubsub_subscription')
    .map(({ body }): Wired => {
      const base = { name: String(body.name), topic: topicName(body.topic), ackDeadlineSeconds: Number(body.ack_deadline_seconds) };
      if (at(body, 'push_config') === undefined) return base;
      return {
        ...base,
        push: {
          fn: String((body.labels as Record<string, string>)['altus-function']),
          maxDeliveryAttempts: Number(at(body, 'dead_letter_policy', 'max_delivery_attempts')),
          deadLetterTopic: topicName(at(body, 'dead_letter_policy', 'dead_letter_topic')),
          backoff: [seconds(at(body, 'retry_policy', 'minimum_backoff')), seconds(at(body, 'retry_policy', 'maximum_backoff'))],
        },
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The options the wiring passes to createSubscription, as far as this test reads them. */
interface SubscriptionOptions {
  ackDeadlineSeconds: number;
  pushConfig?: { pushEndpoint: string };
  deadLetterPolicy: { deadLetterTopic: string; maxDeliveryAttempts: number };
  retryPolicy: { minimumBackoff: { seconds: number }; maximumBackoff: { seconds: number } };
}

/** Wires a recording client the way the supervisor wires the emulator. */
async function wiredLocally(): Promise<Wired[]> {
  const out: Wired[] = [];
  const urls = { ingest: 'http://i', 'run-request': 'http://rr', dispatch: 'http://d', collect: 'http://c', aggregate: 'http://a', reconcile: 'http://r' };
  const client = {
    createTopic: async () => [],
    topic: (topic: string) => ({
      createSubscription: async (name: string, options: SubscriptionOptions) => {
        const wired: Wired = { name, topic, ackDeadlineSeconds: options.ackDeadlineSeconds };
        if (options.pushConfig) {
          const endpoint = String(options.pushConfig.pushEndpoint);
          assert.ok(endpoint.endsWith(`/projects/demo/topics/${topic}`), `${endpoint} must name its topic`);
          wired.push = {
            fn: Object.entries(urls).find(([, url]) => endpoint.startsWith(`${url}/`))![0],
            maxDeliveryAttempts: options.deadLetterPolicy.maxDeliveryAttempts,
            deadLetterTopic: String(options.deadLetterPolicy.deadLetterTopic).replace('projects/demo/topics/', ''),
            backoff: [options.retryPolicy.minimumBackoff.seconds, options.retryPolicy.maximumBackoff.seconds],
          };
        }
        out.push(wired);
        return [];
      },
    }),
  } as unknown as WiringClient;
  await wireTopics(client, 'demo', urls);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

test('topology: the synthesized stack has exactly the described subscriptions', () => {
  assert.deepEqual(synthesized(), expected(TOPOLOGY));
});

test('topology: a push-driven function times out when its subscription would redeliver', () => {
  for (const sub of TOPOLOGY.push) {
    const fn = resourcesOf(parsed, 'google_cloudfunctions2_function').find((f) => f.body.name === `altus-${sub.fn}`);
    assert.ok(fn, `no function altus-${sub.fn}`);
    assert.equal(Number(at(fn.body, 'service_config', 'timeout_seconds')), sub.ackDeadlineSeconds, sub.fn);
  }
});

test('topology: the local stack wires the description with its stated overrides, and nothing else', async () => {
  assert.deepEqual(await wiredLocally(), expected(localTopology()));
});

test('topology: local and cloud differ only where an override says why', () => {
  const local = localTopology();
  assert.deepEqual(local.records, TOPOLOGY.records);
  assert.equal(local.deadLetter, TOPOLOGY.deadLetter);
  for (const [i, sub] of TOPOLOGY.push.entries()) {
    const override = LOCAL_OVERRIDES.ackDeadlineSeconds[sub.fn];
    assert.deepEqual(
      local.push[i],
      { ...sub, ackDeadlineSeconds: override?.seconds ?? sub.ackDeadlineSeconds },
      `${sub.fn}: same topic, function and delivery attempts`,
    );
    if (override) assert.ok(override.why.length > 20 && override.seconds !== sub.ackDeadlineSeconds, `${sub.fn}'s override states why and changes something`);
  }
  assert.ok(LOCAL_OVERRIDES.retryBackoff.why.length > 20);
});
