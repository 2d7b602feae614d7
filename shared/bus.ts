/**
 * Publishing to the pipeline's topics. Handlers get an {@link EventBus}; the
 * Pub/Sub implementation encodes one JSON message per call.
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { TOPIC_IDS, type TopicRole } from './messages.ts';
import { NO_METER, type Meter } from './metering.ts';

/** Publishes a message to the topic of a role; resolves to the message id. */
export interface EventBus {
  publish(role: TopicRole, message: object, attributes?: Record<string, string>): Promise<string>;
}

/** Full topic name, `projects/P/topics/T`. */
export function topicName(projectId: string, role: TopicRole): string {
  return `projects/${projectId}/topics/${TOPIC_IDS[role]}`;
}

/** {@link EventBus} over an injected Pub/Sub client; `meter` counts the messages published. */
export function createPubSubBus(pubsub: PubSub, meter: Meter = NO_METER): EventBus {
  const topics = new Map<TopicRole, Topic>();
  const topic = (role: TopicRole) => {
    let t = topics.get(role);
    if (!t) {
      // Small batches: control messages are few and latency matters more than throughput.
      t = pubsub.topic(TOPIC_IDS[role], { batching: { maxMessages: 100, maxMilliseconds: 5 } });
      topics.set(role, t);
    }
    return t;
  };
  return {
    publish: (role, message, attributes) => {
      meter.count('pubsubMessages');
      return topic(role).publishMessage({ json: message, ...(attributes ? { attributes } : {}) });
    },
  };
}
