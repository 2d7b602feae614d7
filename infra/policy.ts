/**
 * The project's own policy checks on the synthesized Terraform JSON (pure), the
 * rules Checkov does not run here: the fleet's wiring (push subscriptions, dead
 * letters, Spot pools), and the few generic rules whose Checkov check is skipped
 * in `.checkov.yaml` because it cannot see how this stack meets them (Dataplane V2
 * network policy, the GKE metadata server on Autopilot) or does not cover the
 * resource (public invokers of Cloud Run services behind gen2 functions).
 * Checkov (test/infra/checkov.test.ts) runs everything else. The tests fail the
 * build on any violation of the real stack, and prove every check fails on a
 * broken fragment.
 */
import type { FleetConfig } from '../shared/fleet-config.ts';
import { BATCH_POOL, SYSTEM_POOL, SYSTEM_POOL_MAX_NODES } from './config.ts';
import { at, isTrue, parseSynthesized, referencesIn, resourcesOf, type SynthesizedResource, type SynthesizedStack } from './synthesized.ts';

/** One broken rule on one resource. */
export interface Violation {
  readonly check: string;
  readonly resource: string;
  readonly message: string;
}

/** What the checks know beyond the JSON: the fleet configuration says which pools may run on demand. */
export interface PolicyContext {
  readonly fleet?: Pick<FleetConfig, 'clusters'>;
}

/** A named check. */
export interface PolicyCheck {
  readonly id: string;
  readonly title: string;
  run(stack: SynthesizedStack, context: PolicyContext): Violation[];
}

const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];

/** Members and roles an IAM resource grants (policy documents are searched as text). */
function grants(r: SynthesizedResource): { members: string[]; roles: string[]; text: string } {
  const members = [r.body.member, ...((r.body.members as unknown[] | undefined) ?? [])].filter((m): m is string => typeof m === 'string');
  const roles = typeof r.body.role === 'string' ? [r.body.role] : [];
  return { members, roles, text: typeof r.body.policy_data === 'string' ? r.body.policy_data : '' };
}

/** Resources of `type` failing `ok`, as violations of `check`. */
function each(stack: SynthesizedStack, type: string | ((t: string) => boolean), check: string, ok: (r: SynthesizedResource) => string | null): Violation[] {
  return resourcesOf(stack, type).flatMap((r) => {
    const problem = ok(r);
    return problem ? [{ check, resource: r.address, message: problem }] : [];
  });
}

const standard = (r: SynthesizedResource) => !isTrue(r.body.enable_autopilot);
const nodePools = (stack: SynthesizedStack) => resourcesOf(stack, 'google_container_node_pool');

/** The checks, in the order they report. */
export const CHECKS: readonly PolicyCheck[] = [
  {
    id: 'ALTUS_NO_PUBLIC_INVOKER',
    title: 'No function is invokable by allUsers / allAuthenticatedUsers',
    run: (s) =>
      each(
        s,
        (t) => /^google_(cloudfunctions2?_function|cloud_run(_v2)?_service)_iam_/.test(t),
        'ALTUS_NO_PUBLIC_INVOKER',
        (r) => {
          const g = grants(r);
          return g.members.some((m) => PUBLIC_MEMBERS.includes(m)) || PUBLIC_MEMBERS.some((m) => g.text.includes(m)) ? 'makes a function public' : null;
        },
      ),
  },
  {
    id: 'ALTUS_NO_SA_KEYS',
    title: 'No service-account keys',
    run: (s) =>
      each(s, 'google_service_account_key', 'ALTUS_NO_SA_KEYS', () => 'creates a service-account key; use Workload Identity or a Google-managed identity'),
  },
  {
    id: 'ALTUS_GKE_METADATA',
    title: 'Workload Identity: Standard clusters have a workload pool, node pools use the GKE metadata server',
    run: (s) => [
      ...each(
        s,
        (t) => t === 'google_container_cluster',
        'ALTUS_GKE_METADATA',
        (r) => (standard(r) && typeof at(r.body, 'workload_identity_config', 'workload_pool') !== 'string' ? 'Workload Identity is not enabled' : null),
      ),
      ...each(s, 'google_container_node_pool', 'ALTUS_GKE_METADATA', (r) =>
        at(r.body, 'node_config', 'workload_metadata_config', 'mode') === 'GKE_METADATA'
          ? null
          : 'pods may reach the node metadata server (mode is not GKE_METADATA)',
      ),
    ],
  },
  {
    id: 'ALTUS_NETWORK_POLICY',
    title: 'Network policy on Standard clusters (Dataplane V2 or Calico)',
    run: (s) =>
      each(s, 'google_container_cluster', 'ALTUS_NETWORK_POLICY', (r) =>
        !standard(r) || r.body.datapath_provider === 'ADVANCED_DATAPATH' || isTrue(at(r.body, 'network_policy', 'enabled'))
          ? null
          : 'network policy is not enforced',
      ),
  },
  {
    id: 'ALTUS_PUSH_OIDC',
    title: 'Every push subscription authenticates with an OIDC token',
    run: (s) =>
      each(s, 'google_pubsub_subscription', 'ALTUS_PUSH_OIDC', (r) =>
        at(r.body, 'push_config') && !at(r.body, 'push_config', 'oidc_token', 'service_account_email') ? 'pushes without an OIDC token' : null,
      ),
  },
  {
    id: 'ALTUS_PUSH_DEAD_LETTER',
    title: 'Every push subscription has a dead-letter policy',
    run: (s) =>
      each(s, 'google_pubsub_subscription', 'ALTUS_PUSH_DEAD_LETTER', (r) =>
        at(r.body, 'push_config') && !(at(r.body, 'dead_letter_policy', 'dead_letter_topic') && at(r.body, 'dead_letter_policy', 'max_delivery_attempts'))
          ? 'pushes without a dead-letter topic and a maximum of delivery attempts'
          : null,
      ),
  },
  {
    id: 'ALTUS_DEAD_LETTER_SUBSCRIBED',
    title: 'Every dead-letter topic has a subscription',
    run: (s) => {
      const subscriptions = resourcesOf(s, 'google_pubsub_subscription');
      const subscribed = new Set(subscriptions.flatMap((sub) => referencesIn(sub.body.topic)));
      const deadLetterTopics = new Set(subscriptions.flatMap((sub) => referencesIn(at(sub.body, 'dead_letter_policy', 'dead_letter_topic'))));
      return [...deadLetterTopics]
        .filter((topic) => !subscribed.has(topic))
        .map((topic) => ({ check: 'ALTUS_DEAD_LETTER_SUBSCRIBED', resource: topic, message: 'dead-lettered messages would be dropped: no subscription' }));
    },
  },
  {
    id: 'ALTUS_FUNCTION_FED',
    title: 'Every Pub/Sub-driven function has its push subscription',
    run: (s) => {
      const endpoints = resourcesOf(s, 'google_pubsub_subscription').flatMap((sub) => referencesIn(at(sub.body, 'push_config', 'push_endpoint')));
      return each(s, 'google_cloudfunctions2_function', 'ALTUS_FUNCTION_FED', (r) => {
        const http = (r.body.labels as Record<string, string> | undefined)?.['altus-trigger'] === 'http';
        return http || at(r.body, 'event_trigger') || endpoints.includes(r.address) ? null : 'no push subscription, event trigger or HTTP role feeds it';
      });
    },
  },
  { id: 'ALTUS_SPOT_POOLS', title: 'Worker pools run on Spot unless the fleet configuration says otherwise', run: spotPools },
];

/** Expected Spot setting of a pool per the configuration; the small system pool may run on demand. */
function spotPools(stack: SynthesizedStack, context: PolicyContext): Violation[] {
  const clusterNames = new Map(resourcesOf(stack, 'google_container_cluster').map((c) => [c.address, c.body.name]));
  return nodePools(stack).flatMap((pool): Violation[] => {
    const name = String(pool.body.name);
    const clusterName = referencesIn(pool.body.cluster).map((a) => clusterNames.get(a))[0] ?? pool.body.cluster;
    const cluster = context.fleet?.clusters.find((c) => c.name === clusterName);
    const spot = isTrue(at(pool.body, 'node_config', 'spot')) || isTrue(at(pool.body, 'node_config', 'preemptible'));
    const violation = (message: string): Violation[] => [{ check: 'ALTUS_SPOT_POOLS', resource: pool.address, message }];
    if (name === SYSTEM_POOL) {
      const small =
        Number(at(pool.body, 'autoscaling', 'total_max_node_count') ?? Infinity) <= SYSTEM_POOL_MAX_NODES && !at(pool.body, 'node_config', 'guest_accelerator');
      return small ? [] : violation(`the system pool may run on demand only with at most ${SYSTEM_POOL_MAX_NODES} nodes and no accelerators`);
    }
    const expected = name === BATCH_POOL ? cluster?.spot : cluster?.gpuPools.find((g) => g.name === name)?.spot;
    if (expected === false) return spot ? violation('runs on Spot although the configuration says spot: false') : [];
    return spot ? [] : violation('is not Spot and the configuration does not say spot: false');
  });
}

/** Runs every check; an empty list means the stack passes. */
export function checkPolicies(stack: string | SynthesizedStack, context: PolicyContext = {}): Violation[] {
  const parsed = parseSynthesized(stack);
  return CHECKS.flatMap((c) => c.run(parsed, context));
}

/** One line per violation, for a failing build's output. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.check} ${v.resource}: ${v.message}`).join('\n');
}
