/**
 * Cluster access for GKE: the cluster's endpoint and CA from the Container API
 * (`@google-cloud/container`), a bearer token from Application Default
 * Credentials, and an in-memory KubeConfig. No kubeconfig files, no keys.
 * Endpoints are cached per function instance; tokens are refreshed before expiry.
 */
import { ClusterManagerClient } from '@google-cloud/container';
import { KubeConfig } from '@kubernetes/client-node';
import { GoogleAuth } from 'google-auth-library';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import type { ClusterAccess } from './kubernetes-fleet.ts';

/** What the Container API says about a cluster. */
export interface ClusterEndpoint {
  endpoint: string;
  caCertificate: string;
}

/** Looks up a cluster's endpoint (injectable for tests). */
export type EndpointLookup = (project: string, region: string, cluster: string) => Promise<ClusterEndpoint>;

/** Supplies a bearer token (injectable for tests). */
export type TokenSource = () => Promise<string>;

/** Endpoint lookup through the Container API with ADC. */
export function containerApiLookup(client = new ClusterManagerClient()): EndpointLookup {
  return async (project, region, cluster) => {
    const [info] = await client.getCluster({ name: `projects/${project}/locations/${region}/clusters/${cluster}` });
    // Private clusters: the control plane's private endpoint, reached over Direct VPC egress.
    const endpoint = info.privateClusterConfig?.privateEndpoint || info.endpoint;
    const ca = info.masterAuth?.clusterCaCertificate;
    if (!endpoint || !ca) throw new Error(`cluster ${cluster} in ${region} has no endpoint or CA certificate`);
    return { endpoint, caCertificate: ca };
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
    const { endpoint: host, caCertificate } = await endpoint;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name, server: `https://${host}`, caData: caCertificate, skipTLSVerify: false }],
      users: [{ name: 'adc', token: await token() }],
      contexts: [{ name, cluster: name, user: 'adc' }],
      currentContext: name,
    });
    return kc;
  };
}
