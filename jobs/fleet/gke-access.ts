/**
 * Cluster access for GKE: the cluster's control-plane endpoint and CA from the
 * Container API (`@google-cloud/container`), a bearer token from Application
 * Default Credentials, and an in-memory KubeConfig. No kubeconfig files, no keys.
 *
 * Endpoints: the operator CLI prefers the DNS-based endpoint (IAM-authenticated,
 * reachable from anywhere that reaches Google APIs; the clusters have no public IP
 * endpoint), the functions the private IP endpoint they reach through the VPC
 * connector. Each falls back to the other. Endpoints are cached per process.
 */
import { ClusterManagerClient, type protos } from '@google-cloud/container';
import { KubeConfig } from '@kubernetes/client-node';
import { GoogleAuth } from 'google-auth-library';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import type { ClusterAccess } from './kubernetes-fleet.ts';

/** Which endpoint to dial when a cluster has both a usable DNS and a private IP endpoint. */
export type EndpointPreference = 'dns' | 'private';

/** Where a cluster's control plane answers. */
export interface ClusterEndpoint {
  /** The API server's URL, e.g. `https://gke-0123abcd.us-central1.gke.goog` or `https://172.16.0.2`. */
  server: string;
  /**
   * The cluster's CA certificate (base64 PEM), for an IP endpoint. Absent for the DNS
   * endpoint: Google's front end serves a publicly trusted certificate there, and the
   * cluster CA would fail its verification.
   */
  caCertificate?: string;
  kind: 'dns' | 'ip';
}

/** Looks up a cluster's endpoint (injectable for tests). */
export type EndpointLookup = (project: string, region: string, cluster: string) => Promise<ClusterEndpoint>;

/** Supplies a bearer token (injectable for tests). */
export type TokenSource = () => Promise<string>;

/** The part of the Container API client the lookup uses. */
export interface ClusterGetter {
  getCluster(request: { name: string }): Promise<[protos.google.container.v1.ICluster, ...unknown[]]>;
}

/**
 * The endpoint to dial for a cluster as the Container API describes it (pure), or
 * undefined when it has none. The DNS endpoint counts only when it admits user
 * traffic (`allowExternalTraffic`): the API always reports its name.
 */
export function chooseEndpoint(cluster: protos.google.container.v1.ICluster, prefer: EndpointPreference): ClusterEndpoint | undefined {
  const dnsConfig = cluster.controlPlaneEndpointsConfig?.dnsEndpointConfig;
  const dns: ClusterEndpoint | undefined =
    dnsConfig?.endpoint && dnsConfig.allowExternalTraffic === true ? { server: `https://${dnsConfig.endpoint}`, kind: 'dns' } : undefined;
  const ca = cluster.masterAuth?.clusterCaCertificate || undefined;
  const ipConfig = cluster.controlPlaneEndpointsConfig?.ipEndpointsConfig;
  // `endpoint` is the private address when the public one is disabled.
  const ipHost = ipConfig?.enabled === false ? undefined : ipConfig?.privateEndpoint || cluster.privateClusterConfig?.privateEndpoint || cluster.endpoint;
  const ip: ClusterEndpoint | undefined = ipHost && ca ? { server: `https://${ipHost}`, caCertificate: ca, kind: 'ip' } : undefined;
  return prefer === 'dns' ? (dns ?? ip) : (ip ?? dns);
}

/** Endpoint lookup through the Container API with ADC. */
export function containerApiLookup(client: ClusterGetter = new ClusterManagerClient(), prefer: EndpointPreference = 'dns'): EndpointLookup {
  return async (project, region, cluster) => {
    const [info] = await client.getCluster({ name: `projects/${project}/locations/${region}/clusters/${cluster}` });
    const endpoint = chooseEndpoint(info, prefer);
    if (!endpoint) throw new Error(`cluster ${cluster} in ${region} has neither a DNS endpoint open to user traffic nor an IP endpoint with a CA certificate`);
    return endpoint;
  };
}

/** Bearer tokens from Application Default Credentials (cloud-platform scope). */
export function adcTokenSource(auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] })): TokenSource {
  return async () => {
    const token = await auth.getAccessToken();
    if (!token) throw new Error('Application Default Credentials returned no access token');
    return token;
  };
}

/** {@link ClusterAccess} for the worker clusters of `config`. */
export function gkeClusterAccess(
  config: FleetConfig,
  lookup: EndpointLookup = containerApiLookup(),
  token: TokenSource = adcTokenSource(),
): ClusterAccess {
  const endpoints = new Map<string, Promise<ClusterEndpoint>>();
  return async (name) => {
    const cluster = config.clusters.find((c) => c.name === name);
    if (!cluster) throw new Error(`cluster ${name} is not in the fleet configuration`);
    let endpoint = endpoints.get(name);
    if (!endpoint) {
      endpoint = lookup(config.project, cluster.region, name);
      endpoint.catch(() => endpoints.delete(name));
      endpoints.set(name, endpoint);
    }
    const { server, caCertificate } = await endpoint;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name, server, ...(caCertificate ? { caData: caCertificate } : {}), skipTLSVerify: false }],
      users: [{ name: 'adc', token: await token() }],
      contexts: [{ name, cluster: name, user: 'adc' }],
      currentContext: name,
    });
    return kc;
  };
}
