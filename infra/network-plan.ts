/**
 * The address plan of the fleet's VPC, computed (pure, deterministic) from the
 * clusters in configuration order: the hub first, then the workers.
 *
 * | range | block | one per |
 * | --- | --- | --- |
 * | subnet (nodes) | 10.0.0.0/16, a /20 each | region, in order of first appearance |
 * | services (secondary) | 10.1.0.0/16, a /20 each | cluster |
 * | Serverless VPC Access connector | 10.2.0.0/28 | fleet (functions region) |
 * | pods (secondary) | 10.4.0.0 - 10.63.255.255, a /14 each | cluster |
 *
 * Control planes take no range of their own: each is a Private Service Connect
 * endpoint in its cluster's subnet (constructs/control-plane.ts).
 *
 * Positions decide the ranges, so appending a cluster or a region never moves
 * an existing one; removing a cluster from the middle shifts those after it.
 */

/** One cluster's ranges. */
export interface ClusterRanges {
  readonly cluster: string;
  readonly region: string;
  readonly podsRangeName: string;
  readonly podsCidr: string;
  readonly servicesRangeName: string;
  readonly servicesCidr: string;
}

/** One regional subnet and the secondary ranges of the clusters in its region. */
export interface SubnetPlan {
  readonly region: string;
  readonly name: string;
  readonly cidr: string;
  readonly clusters: readonly ClusterRanges[];
}

/** The whole plan. */
export interface NetworkPlan {
  readonly subnets: readonly SubnetPlan[];
  /** Ranges by cluster name. */
  readonly clusters: Readonly<Record<string, ClusterRanges>>;
  /** Source range of the functions' egress (Serverless VPC Access connector). */
  readonly connectorCidr: string;
}

/** A cluster as the plan sees it. */
export interface PlannedCluster {
  readonly name: string;
  readonly region: string;
}

/** The clusters or regions do not fit the address plan. */
export class NetworkPlanError extends Error {
  override readonly name = 'NetworkPlanError';
}

/** Most regions (one /20 each in 10.0.0.0/16). */
export const MAX_REGIONS = 16;
/** Most clusters, hub included (one /14 of pods each in 10.4.0.0 - 10.63.255.255). */
export const MAX_CLUSTERS = 15;

const CONNECTOR_CIDR = '10.2.0.0/28';

/** Plans subnets and ranges for `clusters` (hub first, then workers, in configuration order). */
export function planNetwork(clusters: readonly PlannedCluster[]): NetworkPlan {
  if (clusters.length > MAX_CLUSTERS) {
    throw new NetworkPlanError(`the address plan holds at most ${MAX_CLUSTERS} clusters (hub included); the configuration has ${clusters.length}`);
  }
  const names = new Set<string>();
  for (const c of clusters) {
    if (names.has(c.name)) throw new NetworkPlanError(`cluster name "${c.name}" appears twice`);
    names.add(c.name);
  }
  const regions = [...new Set(clusters.map((c) => c.region))];
  if (regions.length > MAX_REGIONS) {
    throw new NetworkPlanError(`the address plan holds at most ${MAX_REGIONS} regions; the configuration uses ${regions.length}`);
  }
  const ranges = clusters.map(
    (c, j): ClusterRanges => ({
      cluster: c.name,
      region: c.region,
      podsRangeName: `${c.name}-pods`,
      podsCidr: `10.${4 * (j + 1)}.0.0/14`,
      servicesRangeName: `${c.name}-services`,
      servicesCidr: `10.1.${16 * j}.0/20`,
      // No control-plane range: the control planes are Private Service Connect endpoints in the subnets (control-plane.ts).
    }),
  );
  const subnets = regions.map(
    (region, i): SubnetPlan => ({
      region,
      name: `altus-${region}`,
      cidr: `10.0.${16 * i}.0/20`,
      clusters: ranges.filter((r) => r.region === region),
    }),
  );
  return {
    subnets,
    clusters: Object.fromEntries(ranges.map((r) => [r.cluster, r])),
    connectorCidr: CONNECTOR_CIDR,
  };
}

/** Ranges of `cluster` in `plan`; throws when the plan has none. */
export function rangesFor(plan: NetworkPlan, cluster: string): ClusterRanges {
  const ranges = plan.clusters[cluster];
  if (!ranges) throw new NetworkPlanError(`the network plan has no ranges for cluster ${cluster}`);
  return ranges;
}
