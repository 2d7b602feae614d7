/**
 * Alerts: messages that ran out of delivery attempts (forwarded to the
 * dead-letter topic, or parked there and not yet looked at), and failed runs
 * (a log-based metric on what the functions log when a run ends FAILED or
 * PARTIAL, or a cluster refuses a Job).
 */
import { Construct } from 'constructs';
import { Sleep } from '@cdktf/provider-time/lib/sleep/index.js';
import { LoggingMetric } from '@cdktf/provider-google/lib/logging-metric/index.js';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import type { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';

/** Log lines of a failed run, as the functions write them (shared/log.ts: `message` and fields in jsonPayload). */
export const FAILED_RUN_LOG_FILTER = [
  'resource.type="cloud_run_revision"',
  'AND ((jsonPayload.message="run finished" AND jsonPayload.status=("FAILED" OR "PARTIAL"))',
  'OR jsonPayload.message="job refused by the cluster")',
].join(' ');

/**
 * An alert policy on a log-based metric created in the same apply fails with "Cannot
 * find metric(s) … it could take up to 10 minutes to become available" (provider
 * issue hashicorp/terraform-provider-google#11102): the alert waits this long after
 * the metric, once, when the metric is created.
 */
export const NEW_METRIC_WAIT = '600s';

/** Props of {@link Alerts}. */
export interface AlertsProps {
  readonly project: string;
  /** The pull subscription that keeps dead-lettered messages. */
  readonly deadLetterRecords: PubsubSubscription;
  readonly notificationChannels: readonly string[];
}

/** The alert policies and their log-based metric. */
export class Alerts extends Construct {
  readonly failedRuns: LoggingMetric;
  readonly deadLettered: MonitoringAlertPolicy;
  readonly failedRunsAlert: MonitoringAlertPolicy;
  /** The wait between the metric and its alert. */
  readonly metricVisible: Sleep;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    const { project } = props;
    const overFiveMinutes = (aligner: string) => [
      { alignmentPeriod: '300s', perSeriesAligner: aligner, crossSeriesReducer: 'REDUCE_SUM', groupByFields: ['resource.label.subscription_id'] },
    ];
    const anyAtAll = { comparison: 'COMPARISON_GT', thresholdValue: 0, duration: '0s' };

    this.deadLettered = new MonitoringAlertPolicy(this, 'dead-lettered', {
      project,
      displayName: 'Altus: messages dead-lettered',
      combiner: 'OR',
      severity: 'ERROR',
      notificationChannels: [...props.notificationChannels],
      alertStrategy: { autoClose: '1800s' },
      documentation: {
        mimeType: 'text/markdown',
        content: `A message exhausted its delivery attempts, or a function parked one it cannot process. Read them with \`gcloud pubsub subscriptions pull ${props.deadLetterRecords.name}\`; the attributes say which function and why.`,
      },
      conditions: [
        {
          displayName: 'Messages forwarded to the dead-letter topic',
          conditionThreshold: {
            filter: 'resource.type = "pubsub_subscription" AND metric.type = "pubsub.googleapis.com/subscription/dead_letter_message_count"',
            aggregations: overFiveMinutes('ALIGN_DELTA'),
            ...anyAtAll,
          },
        },
        {
          displayName: 'Dead-lettered messages waiting',
          conditionThreshold: {
            filter: `resource.type = "pubsub_subscription" AND resource.label.subscription_id = "${props.deadLetterRecords.name}" AND metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages"`,
            aggregations: overFiveMinutes('ALIGN_MAX'),
            ...anyAtAll,
          },
        },
      ],
    });

    this.failedRuns = new LoggingMetric(this, 'failed-runs', {
      project,
      name: 'altus/failed_runs',
      description: 'Runs that ended FAILED or PARTIAL, and Jobs a worker cluster refused',
      filter: FAILED_RUN_LOG_FILTER,
      metricDescriptor: {
        metricKind: 'DELTA',
        valueType: 'INT64',
        unit: '1',
        labels: [{ key: 'status', valueType: 'STRING', description: 'FAILED, PARTIAL or empty for a refused Job' }],
      },
      labelExtractors: { status: 'EXTRACT(jsonPayload.status)' },
    });
    // Replaced with the metric, so a recreated metric is waited for too.
    this.metricVisible = new Sleep(this, 'failed-runs-visible', {
      createDuration: NEW_METRIC_WAIT,
      triggers: { metric: this.failedRuns.id },
    });
    this.failedRunsAlert = new MonitoringAlertPolicy(this, 'failed-runs-alert', {
      project,
      dependsOn: [this.metricVisible],
      displayName: 'Altus: failed runs',
      combiner: 'OR',
      severity: 'WARNING',
      notificationChannels: [...props.notificationChannels],
      alertStrategy: { autoClose: '1800s' },
      documentation: {
        mimeType: 'text/markdown',
        content: 'A run ended FAILED or PARTIAL, or a worker cluster refused a Job. The run document in Firestore names the failed shards and the error.',
      },
      conditions: [
        {
          displayName: 'Failed runs',
          conditionThreshold: {
            filter: `resource.type = "cloud_run_revision" AND metric.type = "logging.googleapis.com/user/${this.failedRuns.name}"`,
            aggregations: [{ alignmentPeriod: '300s', perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_SUM' }],
            ...anyAtAll,
          },
        },
      ],
    });
  }
}
