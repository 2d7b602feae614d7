/**
 * Pub/Sub: one topic per stage, and the push subscriptions that feed the
 * Pub/Sub-driven functions, built from the topology description
 * (shared/topology.ts) the local stack's wiring is built from too (with its
 * stated local overrides): the endpoint path names the topic, so the
 * Functions Framework turns the push into a CloudEvent. Each push is
 * OIDC-authenticated as the invoker account, retried with backoff and parked on
 * the dead-letter topic after its last attempt; the dead-letter and
 * run-finished topics have pull subscriptions so nothing is dropped. Cloud
 * Scheduler ticks the reconcile topic.
 */
import { Construct } from 'constructs';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job/index.js';
import type { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { TOPOLOGY, pushSubscriptionId } from '../../shared/topology.ts';
import type { Cmek } from './kms.ts';
import { INFRA_TOPIC_IDS, INFRA_TOPIC_ROLES, pushFunctions, type FunctionName, type InfraTopicRole } from '../function-catalog.ts';

/** A week: the longest a subscription keeps an unacknowledged message. */
const RETENTION = '604800s';
/** The message the scheduler publishes on each reconcile tick. */
export const RECONCILE_TICK = JSON.stringify({ v: 1 });

/** Props of {@link Messaging}. */
export interface MessagingProps {
  readonly project: string;
  readonly region: string;
  readonly functions: Readonly<Record<FunctionName, Cloudfunctions2Function>>;
  /** Signs the OIDC token of every push. */
  readonly invoker: ServiceAccount;
  readonly reconcileSchedule: string;
  /** Key of every topic (CMEK on): a global key, the topics being global. */
  readonly cmek?: Cmek;
}

/** Topics, subscriptions and the reconcile schedule. */
export class Messaging extends Construct {
  readonly topics: Readonly<Record<InfraTopicRole, PubsubTopic>>;
  /** Push subscriptions by the function they feed. */
  readonly pushSubscriptions: Readonly<Partial<Record<FunctionName, PubsubSubscription>>>;
  /** Pull subscriptions that keep what no function consumes, by topic role. */
  readonly recordSubscriptions: Readonly<Partial<Record<InfraTopicRole, PubsubSubscription>>>;
  /** The record subscription of the dead-letter topic, which the alerts watch. */
  readonly deadLetterRecords: PubsubSubscription;
  readonly reconcileTick: CloudSchedulerJob;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const { project } = props;
    const topics = {} as Record<InfraTopicRole, PubsubTopic>;
    for (const role of INFRA_TOPIC_ROLES) {
      topics[role] = new PubsubTopic(this, `topic-${INFRA_TOPIC_IDS[role]}`, {
        project,
        name: INFRA_TOPIC_IDS[role],
        ...(props.cmek ? { kmsKeyName: props.cmek.keyName, dependsOn: [props.cmek.ready] } : {}),
      });
    }
    this.topics = topics;

    const pushSubscriptions: Partial<Record<FunctionName, PubsubSubscription>> = {};
    for (const spec of pushFunctions()) {
      const { topic, ackDeadlineSeconds, maxDeliveryAttempts } = spec.trigger;
      const topicId = INFRA_TOPIC_IDS[topic];
      const url = props.functions[spec.name].serviceConfig.uri;
      pushSubscriptions[spec.name] = new PubsubSubscription(this, `push-${topicId}`, {
        project,
        name: pushSubscriptionId(topic),
        topic: topics[topic].id,
        ackDeadlineSeconds,
        messageRetentionDuration: RETENTION,
        expirationPolicy: { ttl: '' },
        pushConfig: {
          pushEndpoint: `${url}/projects/${project}/topics/${topicId}`,
          // Cloud Run checks the audience against the service URL, not the full endpoint.
          oidcToken: { serviceAccountEmail: props.invoker.email, audience: url },
        },
        retryPolicy: { minimumBackoff: `${TOPOLOGY.retryBackoff.minimumSeconds}s`, maximumBackoff: `${TOPOLOGY.retryBackoff.maximumSeconds}s` },
        deadLetterPolicy: { deadLetterTopic: topics[TOPOLOGY.deadLetter].id, maxDeliveryAttempts },
        labels: { 'altus-function': spec.name },
      });
    }
    this.pushSubscriptions = pushSubscriptions;

    const recordSubscriptions: Partial<Record<InfraTopicRole, PubsubSubscription>> = {};
    for (const { role, name, ackDeadlineSeconds } of TOPOLOGY.records) {
      recordSubscriptions[role] = new PubsubSubscription(this, `records-${INFRA_TOPIC_IDS[role]}`, {
        project,
        name,
        topic: topics[role].id,
        ackDeadlineSeconds,
        messageRetentionDuration: RETENTION,
        expirationPolicy: { ttl: '' },
      });
    }
    this.recordSubscriptions = recordSubscriptions;
    const deadLetterRecords = recordSubscriptions[TOPOLOGY.deadLetter];
    if (!deadLetterRecords) throw new Error('the topology keeps no records of the dead-letter topic: parked messages would go unseen');
    this.deadLetterRecords = deadLetterRecords;

    this.reconcileTick = new CloudSchedulerJob(this, 'reconcile-tick', {
      project,
      name: 'altus-reconcile',
      region: props.region,
      description: 'Ticks the reconcile function: lost, failed and straggling shards, unfinished runs',
      schedule: props.reconcileSchedule,
      timeZone: 'Etc/UTC',
      pubsubTarget: { topicName: topics.reconcile.id, data: Buffer.from(RECONCILE_TICK).toString('base64') },
    });
  }
}
