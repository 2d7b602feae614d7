/**
 * GKE cluster access: which control-plane endpoint is dialled for the cluster
 * shapes the Container API reports, and the KubeConfig built for it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { protos } from '@google-cloud/container';
import { chooseEndpoint, containerApiLookup, gkeClusterAccess, type ClusterGetter, type EndpointPreference } from '../../../jobs/fleet/gke-access.ts';
import { threeClusters } from '../../support/fleet-fixtures.ts';

type Cluster = protos.google.container.v1.ICluster;

const ca = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t';
const dnsName = 'gke-0123456789abcdef0123456789abcdef0123.us-central1.gke.goog';
/** What the Container API says about a worker cluster as infra/ builds it: private IP endpoint only, DNS endpoint open. */
const asDeployed: Cluster = {
  endpoint: '172.16.0.2',
  masterAuth: { clusterCaCertificate: ca },
  privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: true, privateEndpoint: '172.16.0.2' },
  controlPlaneEndpointsConfig: {
    dnsEndpointConfig: { endpoint: dnsName, allowExternalTraffic: true },
    ipEndpointsConfig: { enabled: true, enablePublicEndpoint: false, privateEndpoint: '172.16.0.2' },
  },
};
const dnsClosed: Cluster = {
  ...asDeployed,
  controlPlaneEndpointsConfig: { ...asDeployed.controlPlaneEndpointsConfig, dnsEndpointConfig: { endpoint: dnsName, allowExternalTraffic: false } },
};
const ipDisabled: Cluster = {
  ...asDeployed,
  controlPlaneEndpointsConfig: { dnsEndpointConfig: { endpoint: dnsName, allowExternalTraffic: true }, ipEndpointsConfig: { enabled: false } },
};
/** A cluster from before the DNS endpoint: only the private cluster config. */
const legacyPrivate: Cluster = { endpoint: '172.16.0.18', masterAuth: { clusterCaCertificate: ca }, privateClusterConfig: { privateEndpoint: '172.16.0.18' } };
const publicOnly: Cluster = { endpoint: '34.1.2.3', masterAuth: { clusterCaCertificate: ca } };

const dns = { server: `https://${dnsName}`, kind: 'dns' };
const ip = (host: string) => ({ server: `https://${host}`, caCertificate: ca, kind: 'ip' });

const cases: Array<[string, Cluster, EndpointPreference, object | undefined]> = [
  ['as deployed, for an operator: the DNS endpoint, without the cluster CA', asDeployed, 'dns', dns],
  ['as deployed, for the functions: the private IP endpoint, with the CA', asDeployed, 'private', ip('172.16.0.2')],
  ['DNS endpoint closed to user traffic: the private endpoint even for an operator', dnsClosed, 'dns', ip('172.16.0.2')],
  ['IP endpoints disabled: the DNS endpoint even for the functions', ipDisabled, 'private', dns],
  ["no endpoints config (older cluster): the private cluster config's endpoint", legacyPrivate, 'dns', ip('172.16.0.18')],
  ['a public cluster: its endpoint', publicOnly, 'dns', ip('34.1.2.3')],
  ['an IP endpoint without a CA and no DNS endpoint: nothing to dial', { endpoint: '34.1.2.3' }, 'dns', undefined],
];
for (const [label, cluster, prefer, expected] of cases) {
  test(`endpoint: ${label}`, () => {
    assert.deepEqual(chooseEndpoint(cluster, prefer), expected);
  });
}

/** A Container API client answering `clusters` by name, recording what it was asked. */
function containerApi(clusters: Record<string, Cluster>): ClusterGetter & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async getCluster({ name }) {
      asked.push(name);
      const cluster = clusters[name];
      if (!cluster) throw Object.assign(new Error(`5 NOT_FOUND: ${name}`), { code: 5 });
      return [cluster];
    },
  };
}

test('the lookup asks the Container API for the cluster in its region and names what it lacks', async () => {
  const api = containerApi({
    'projects/altus-test-project/locations/us-central1/clusters/worker-a': asDeployed,
    'projects/altus-test-project/locations/us-central1/clusters/worker-b': { endpoint: '34.1.2.3' },
  });
  assert.deepEqual(await containerApiLookup(api)('altus-test-project', 'us-central1', 'worker-a'), dns);
  await assert.rejects(
    containerApiLookup(api)('altus-test-project', 'us-central1', 'worker-b'),
    /cluster worker-b in us-central1 has neither a DNS endpoint open to user traffic nor an IP endpoint with a CA certificate/,
  );
  assert.deepEqual(api.asked, [
    'projects/altus-test-project/locations/us-central1/clusters/worker-a',
    'projects/altus-test-project/locations/us-central1/clusters/worker-b',
  ]);
});

for (const [prefer, server, caData] of [
  ['dns', `https://${dnsName}`, undefined],
  ['private', 'https://172.16.0.2', ca],
] as const) {
  test(`the KubeConfig for the ${prefer} endpoint: server ${server}, ${caData ? 'the cluster CA' : 'the system trust store'}, TLS verified`, async () => {
    const api = containerApi({ 'projects/altus-test-project/locations/us-central1/clusters/worker-a': asDeployed });
    const access = gkeClusterAccess(threeClusters, containerApiLookup(api, prefer), adcToken('token-1'));
    const kc = await access('worker-a');
    const cluster = kc.getCurrentCluster()!;
    assert.equal(cluster.server, server);
    assert.equal(cluster.caData, caData);
    assert.equal(cluster.skipTLSVerify, false);
    assert.equal(kc.getCurrentUser()?.token, 'token-1');
    await access('worker-a');
    assert.equal(api.asked.length, 1, 'the endpoint is looked up once per process');
  });
}

test('a cluster missing from the fleet configuration is refused before any lookup', async () => {
  const api = containerApi({});
  await assert.rejects(
    gkeClusterAccess(threeClusters, containerApiLookup(api), adcToken('t'))('worker-z'),
    /cluster worker-z is not in the fleet configuration/,
  );
  assert.deepEqual(api.asked, []);
});

function adcToken(token: string) {
  return async () => ({ token });
}
