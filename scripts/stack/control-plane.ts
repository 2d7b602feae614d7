/**
 * The local fleet's real Kubernetes control plane: one etcd, and per worker
 * cluster of the fleet configuration its own kube-apiserver (on its own etcd
 * prefix), kube-controller-manager and kube-scheduler, all from the binary that
 * `npm run controlplane` builds. One API server per cluster keeps the clusters
 * apart as GKE does (a cluster can be lost alone; each has its own nodes); the
 * etcd is shared because it is the one process whose cost does not grow with
 * what it serves here.
 *
 * Credentials (kube-pki.ts): serving certificates from a local CA, the
 * service-account signing key, and a static token per identity: the operator
 * (cluster-admin, for `kubectl` and `altus fleet bootstrap`), the control plane's
 * own components and the node agent, and the dispatch and reconcile functions
 * under the Google service-account names the fleet bootstrap's RBAC binds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceAccountEmail } from '../../jobs/fleet/bootstrap.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import { ensureKubePki, type KubeIdentity, type KubePki } from './kube-pki.ts';
import { freePort, waitForHttps, type ManagedProcess } from './processes.ts';

/** Kubeconfig users: the operator, the components, and one per function that calls the clusters. */
export const KUBE_USERS = {
  operator: 'altus-operator',
  components: 'altus-control-plane',
  nodeAgent: 'altus-node-agent',
  dispatch: 'altus-dispatch',
  reconcile: 'altus-reconcile',
} as const;

/** How long an API server may take to answer /readyz on a loaded two-core machine. */
const READY_MILLISECONDS = 180_000;
/** Client rate for the controller manager and scheduler: a local fleet turns pods over fast. */
const CLIENT_QPS = 200;

/** One worker cluster's API server. */
export interface LocalCluster {
  name: string;
  /** The API server itself (the node agent and the control plane's own components use it). */
  apiServerUrl: string;
  apiServerPort: number;
}

/** A started control plane. */
export interface ControlPlane {
  pki: KubePki;
  clusters: LocalCluster[];
  /** Admin kubeconfig of the components and the node agent (direct to each API server). */
  componentsKubeconfig: string;
}

/** Starts a process under the supervisor (which restarts it if it dies). */
export type Launch = (name: string, args: string[], logName: string) => ManagedProcess;

/** Identities with tokens; the functions' names are the ones bootstrap's RoleBinding names. */
function identities(fleet: FleetConfig): KubeIdentity[] {
  return [
    { user: KUBE_USERS.operator, name: KUBE_USERS.operator, groups: ['system:masters'] },
    { user: KUBE_USERS.components, name: KUBE_USERS.components, groups: ['system:masters'] },
    { user: KUBE_USERS.nodeAgent, name: KUBE_USERS.nodeAgent, groups: ['system:masters'] },
    { user: KUBE_USERS.dispatch, name: serviceAccountEmail(fleet.project, 'altus-dispatch'), groups: ['system:authenticated'] },
    { user: KUBE_USERS.reconcile, name: serviceAccountEmail(fleet.project, 'altus-reconcile'), groups: ['system:authenticated'] },
  ];
}

/** Starts etcd, then each cluster's API server, controller manager and scheduler; resolves once every API server is ready. */
export async function startControlPlane(options: { home: string; fleet: FleetConfig; launch: Launch }): Promise<ControlPlane> {
  const { home, fleet, launch } = options;
  const dir = join(home, 'kube');
  const pki = ensureKubePki(join(dir, 'pki'), identities(fleet));
  const [etcdPort, etcdPeerPort] = [await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  launch(
    'etcd',
    [
      'etcd',
      '--name=altus-local',
      `--data-dir=${join(dir, `etcd-${etcdPort}`)}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=altus-local=http://127.0.0.1:${etcdPeerPort}`,
      // A throwaway local store: no fsync (the stack's state is disposable), compacted as the API servers ask.
      '--unsafe-no-fsync',
      '--quota-backend-bytes=4294967296',
      '--log-level=warn',
    ],
    'etcd.log',
  );
  const clusters: LocalCluster[] = [];
  for (const cluster of fleet.clusters) {
    const port = await freePort();
    clusters.push({ name: cluster.name, apiServerPort: port, apiServerUrl: `https://127.0.0.1:${port}` });
  }
  const componentsKubeconfig = join(dir, 'components.kubeconfig');
  writeKubeconfig(
    componentsKubeconfig,
    pki,
    clusters.map((c) => ({ name: c.name, server: c.apiServerUrl })),
    KUBE_USERS.components,
  );
  for (const cluster of clusters) {
    launch(
      `kube-apiserver-${cluster.name}`,
      [
        'kube-apiserver',
        `--etcd-servers=${etcdUrl}`,
        `--etcd-prefix=/registry-${cluster.name}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${cluster.apiServerPort}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--token-auth-file=${pki.tokenFile}`,
        '--authorization-mode=RBAC',
        '--anonymous-auth=false',
        `--service-account-issuer=https://kubernetes.default.svc`,
        `--service-account-key-file=${pki.serviceAccountPublicKey}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--endpoint-reconciler-type=none',
        '--kubelet-preferred-address-types=InternalIP',
        '--allow-privileged=false',
        '--profiling=false',
        '--event-ttl=2h',
        '--v=0',
      ],
      `kube-apiserver-${cluster.name}.log`,
    );
  }
  await Promise.all(clusters.map((c) => waitForHttps(`${c.apiServerUrl}/readyz`, pki.tokens[KUBE_USERS.operator]!, pki.caCert, READY_MILLISECONDS)));
  for (const cluster of clusters) {
    const kubeconfig = join(dir, `${cluster.name}.components.kubeconfig`);
    writeKubeconfig(kubeconfig, pki, [{ name: cluster.name, server: cluster.apiServerUrl }], KUBE_USERS.components);
    launch(
      `kube-controller-manager-${cluster.name}`,
      [
        'kube-controller-manager',
        `--kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        '--secure-port=0',
        // What the pipeline relies on, and what those need: Jobs, their pods' garbage and TTL, namespaces, service accounts, quotas, node health.
        '--controllers=job-controller,garbage-collector-controller,pod-garbage-collector-controller,ttl-after-finished-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller,resourcequota-controller,node-lifecycle-controller,taint-eviction-controller,root-ca-certificate-publisher-controller',
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        `--kube-api-qps=${CLIENT_QPS}`,
        `--kube-api-burst=${CLIENT_QPS * 2}`,
        '--concurrent-job-syncs=10',
        '--node-monitor-grace-period=120s',
        '--v=0',
      ],
      `kube-controller-manager-${cluster.name}.log`,
    );
    // The default profile, as GKE runs it; only the retry of a pod that did not fit is quicker (1 s, not up to 10 s),
    // since a local node frees its one or two slots every few seconds.
    const schedulerConfig = join(dir, `${cluster.name}.scheduler.json`);
    writeFileSync(
      schedulerConfig,
      JSON.stringify({
        apiVersion: 'kubescheduler.config.k8s.io/v1',
        kind: 'KubeSchedulerConfiguration',
        clientConnection: { kubeconfig, qps: CLIENT_QPS, burst: CLIENT_QPS * 2 },
        leaderElection: { leaderElect: false },
        podInitialBackoffSeconds: 1,
        podMaxBackoffSeconds: 1,
      }),
    );
    launch(
      `kube-scheduler-${cluster.name}`,
      ['kube-scheduler', `--config=${schedulerConfig}`, '--secure-port=0', '--v=0'],
      `kube-scheduler-${cluster.name}.log`,
    );
  }
  return { pki, clusters, componentsKubeconfig };
}

/**
 * Writes a kubeconfig with one context per cluster (named after it) for `user`,
 * and every identity's credentials, so a caller can pick another user by name.
 */
export function writeKubeconfig(
  path: string,
  pki: KubePki,
  clusters: ReadonlyArray<{ name: string; server: string }>,
  user: string,
  namespace = 'default',
): void {
  const ca = Buffer.from(readFileSync(pki.caCert, 'utf8')).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.server, 'certificate-authority-data': ca } })),
    users: Object.entries(pki.tokens).map(([name, token]) => ({ name, user: { token } })),
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user, namespace } })),
    'current-context': clusters[0]?.name ?? '',
  };
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
}
