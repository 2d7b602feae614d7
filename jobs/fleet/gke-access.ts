/**
 * Cluster access for GKE: the cluster's control-plane endpoint and CA from the
 * Container API (`@google-cloud/container`), a bearer token from Application
 * Default Credentials, and an in-memory KubeConfig. No kubeconfig files, no keys.
 *
 * Endpoints: the operator CLI prefers the DNS-based endpoint (IAM-authenticated,
 * reachable from anywhere that reaches Google APIs; the clusters have no public IP
 * endpoint), the functions the private IP endpoint they reach through the VPC
 * connector. Each falls back to the other. Endpoints are cached per process, and
 * looked up again when a caller could not reach one (`{ reresolve: true }`): a
 * cluster deleted and created again under the same name answers at a new address.
 *
 * Tokens: one token for every cluster, reused until shortly before it expires; the
 * KubeConfig of a cluster is rebuilt when the token changes, and a caller that was
 * refused with 401 asks for a forced refresh (`{ refresh: true }`).
 */
import { ClusterManagerClient, type protos } from '@google-cloud/container';
import { KubeConfig } from '@kubernetes/client-node';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
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

/** A bearer token and, when known, when it stops being valid. */
export interface AccessToken {
  token: string;
  expiresAtMilliseconds?: number;
}

/** Supplies a bearer token; `forceRefresh` asks for a new one even if the cached one looks valid (after a 401). */
export type TokenSource = (options?: { forceRefresh?: boolean }) => Promise<AccessToken>;

/** A token is replaced this long before it expires, so no request carries one that expires in flight. */
export const TOKEN_REFRESH_MARGIN_MILLISECONDS = 5 * 60_000;

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

/** Bearer tokens from Application Default Credentials (cloud-platform scope), with their expiry. */
export function adcTokenSource(auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] })): TokenSource {
  return async (options) => {
    const client = await auth.getClient();
    if (options?.forceRefresh && client instanceof OAuth2Client) {
      // OAuth2 clients (metadata server, user and service-account credentials) fetch a new token when they hold none.
      client.setCredentials({ ...client.credentials, access_token: null });
    }
    const { token } = await client.getAccessToken();
    if (!token) throw new Error('Application Default Credentials returned no access token');
    const expiry = client.credentials?.expiry_date;
    return { token, ...(typeof expiry === 'number' && expiry > 0 ? { expiresAtMilliseconds: expiry } : {}) };
  };
}

/**
 * A token source that reuses a token until {@link TOKEN_REFRESH_MARGIN_MILLISECONDS}
 * before its expiry (a token of unknown expiry is asked for again each time: ADC
 * caches it), and shares one request among concurrent callers.
 */
export function reusedTokens(source: TokenSource, now: () => number = Date.now): TokenSource {
  let cached: { token: AccessToken; freshUntil: number } | undefined;
  let pending: Promise<AccessToken> | undefined;
  return async (options) => {
    if (!options?.forceRefresh && cached && now() < cached.freshUntil) return cached.token;
    pending ??= source(options)
      .then((token) => {
        const expires = token.expiresAtMilliseconds;
        cached = { token, freshUntil: expires === undefined ? 0 : expires - TOKEN_REFRESH_MARGIN_MILLISECONDS };
        return token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/**
 * {@link ClusterAccess} for the worker clusters of `config`. The KubeConfig of a
 * cluster stays the same object while its token does, so a caller may cache a
 * client per KubeConfig.
 */
export function gkeClusterAccess(
  config: FleetConfig,
  lookup: EndpointLookup = containerApiLookup(),
  token: TokenSource = adcTokenSource(),
  now: () => number = Date.now,
): ClusterAccess {
  const endpoints = new Map<string, Promise<ClusterEndpoint>>();
  const kubeConfigs = new Map<string, { token: string; server: string; kubeConfig: KubeConfig }>();
  const tokens = reusedTokens(token, now);
  return async (name, options) => {
    const cluster = config.clusters.find((c) => c.name === name);
    if (!cluster) throw new Error(`cluster ${name} is not in the fleet configuration`);
    if (options?.reresolve) {
      endpoints.delete(name);
      kubeConfigs.delete(name);
    }
    let endpoint = endpoints.get(name);
    if (!endpoint) {
      endpoint = lookup(config.project, cluster.region, name);
      endpoint.catch(() => endpoints.delete(name));
      endpoints.set(name, endpoint);
    }
    const { server, caCertificate } = await endpoint;
    const { token: bearer } = await tokens(options?.refresh ? { forceRefresh: true } : undefined);
    const cached = kubeConfigs.get(name);
    if (cached && cached.token === bearer && cached.server === server) return cached.kubeConfig;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name, server, ...(caCertificate ? { caData: caCertificate } : {}), skipTLSVerify: false }],
      users: [{ name: 'adc', token: bearer }],
      contexts: [{ name, cluster: name, user: 'adc' }],
      currentContext: name,
    });
    kubeConfigs.set(name, { token: bearer, server, kubeConfig });
    return kubeConfig;
  };
}
