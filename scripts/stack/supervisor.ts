/**
 * The local stack's supervisor, started detached by `altus up`: the emulators,
 * one Functions Framework server per function (the dashboard among them), each
 * Pub/Sub- or event-driven one behind a front door that holds requests while it
 * restarts (front-door.ts), the local fleet, the topic wiring. It records itself in `<home>/stack.json` and, on SIGTERM (`altus down`),
 * exports Firestore and stops everything it started.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AuthorizationV1Api } from '@kubernetes/client-node';
import { createPubSub } from '../../shared/clients.ts';
import { fleetConfigPathOf } from '../../shared/config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { applyBootstrap } from '../../jobs/fleet/bootstrap-apply.ts';
import { buildBootstrap } from '../../jobs/fleet/bootstrap.ts';
import { localClusterAccess } from '../../jobs/fleet/local/local-access.ts';
import { controlPlaneBinary, controlPlaneBuilt } from '../controlplane/binary.ts';
import { writeDashboardBundle } from '../dashboard-bundle.ts';
import { KUBE_USERS, startControlPlane, writeKubeconfig } from './control-plane.ts';
import { checkEmulatorPrerequisites, exportFirestore, startFirestoreEmulator, startPubSubEmulator } from './emulators.ts';
import { openFrontDoor } from './front-door.ts';
import { freePort, startProcess, stopProcessGroup, waitForHttp, waitForPort, type ManagedProcess } from './processes.ts';
import { STACK_FUNCTIONS, stackEnvironment, stackFile, writeStack, type StackFunction, type StackInfo } from './state.ts';
import { PUSH_SUBSCRIPTIONS, wireTopics } from './wiring.ts';

/** How long a function server or the local fleet may take to start listening. */
const SERVER_START_MILLISECONDS = 240_000;
/**
 * The Go garbage collector's target for etcd and the Kubernetes components: memory
 * is plentiful here and CPU is not. At 400 (the default is 100) the API servers
 * spent 21 % less CPU on three 1M-row grids (2.94 -> 2.31 CPU-seconds), CPU that
 * goes to the pods on a two-core machine, for a few hundred MB more of heap.
 */
const CONTROL_PLANE_GOGC = '400';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FRAMEWORK = join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js');

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    'fleet-config': { type: 'string' },
    'project-id': { type: 'string' },
    parallelism: { type: 'string' },
    'reconcile-seconds': { type: 'string' },
  },
});
const home = values.home!;
const projectId = values['project-id'] ?? 'demo-altus';
// `--fleet-config`, else the file ALTUS_FLEET_CONFIG names (the test runner's fixture), else the repository's.
const fleetConfigPath = values['fleet-config'] ?? fleetConfigPathOf(process.env);
const logDir = join(home, 'logs');
const storageDir = join(home, 'buckets');
const dataDir = join(home, 'firestore');
const children: ManagedProcess[] = [];
let info: StackInfo | undefined;
let stopping = false;

async function start(): Promise<void> {
  for (const dir of [home, logDir, storageDir, dataDir]) mkdirSync(dir, { recursive: true });
  const fleet = loadFleetConfig(fleetConfigPath);
  checkEmulatorPrerequisites();
  const [pubsubPort, firestorePort, fleetPort, dashboardPort, ...ports] = await Promise.all(
    Array.from({ length: 4 + 2 * STACK_FUNCTIONS.length }, () => freePort()),
  );
  // Each function is reached on its public port through a front door that holds requests while it restarts.
  const functionPorts = ports.slice(0, STACK_FUNCTIONS.length);
  const serverPorts = ports.slice(STACK_FUNCTIONS.length);
  // Bound at once: a port picked now and bound only after the control plane is up could be taken meanwhile.
  await Promise.all(STACK_FUNCTIONS.map((_, i) => openFrontDoor(functionPorts[i]!, serverPorts[i]!)));
  // The real control plane (built by `npm run controlplane`; `altus up` builds it first when it is missing) starts beside the emulators.
  if (!controlPlaneBuilt()) throw new Error('the local Kubernetes control plane is not built: run `npm run controlplane` (altus up does it itself)');
  const binary = controlPlaneBinary();
  const [pubsub, firestore, controlPlane] = await Promise.all([
    startPubSubEmulator(pubsubPort!, projectId, logDir),
    startFirestoreEmulator(firestorePort!, dataDir, logDir),
    startControlPlane({
      home,
      fleet,
      launch: (name, args, logName) =>
        keepRunning(() => startProcess(name, binary, args, { env: { ...process.env, GOGC: CONTROL_PLANE_GOGC }, logFile: join(logDir, logName) })),
    }),
  ]);
  children.push(pubsub, firestore);
  const functions = Object.fromEntries(STACK_FUNCTIONS.map((fn, i) => [fn, `http://127.0.0.1:${functionPorts[i]}`])) as Record<StackFunction, string>;
  // Callers outside a cluster reach its API server through the gateway the local fleet keeps (a lost cluster cuts it).
  const gateways = await Promise.all(controlPlane.clusters.map(async (c) => ({ name: c.name, apiServerPort: c.apiServerPort, gatewayPort: await freePort() })));
  const clustersFile = join(home, 'kube', 'clusters.json');
  writeFileSync(clustersFile, JSON.stringify(gateways));
  const kubeconfig = join(home, 'kubeconfig');
  writeKubeconfig(
    kubeconfig,
    controlPlane.pki,
    gateways.map((g) => ({ name: g.name, server: `https://127.0.0.1:${g.gatewayPort}` })),
    KUBE_USERS.operator,
    fleet.namespace,
  );
  info = {
    status: 'starting',
    supervisorPid: process.pid,
    home,
    projectId,
    pubsubEmulatorHost: `127.0.0.1:${pubsubPort}`,
    firestoreEmulatorHost: `127.0.0.1:${firestorePort}`,
    topics: {} as StackInfo['topics'],
    buckets: { manifests: 'altus-manifests', results: 'altus-results' },
    storageDir,
    functions,
    localFleetUrl: `http://127.0.0.1:${fleetPort}`,
    kubeconfig,
    dashboardUrl: `http://127.0.0.1:${dashboardPort}/`,
    ingestUrl: functions.ingest,
    logDir,
    startedAt: new Date().toISOString(),
  };
  for (const bucket of Object.values(info.buckets)) mkdirSync(join(storageDir, bucket), { recursive: true });

  const env = { ...process.env, ...stackEnvironment(info), ALTUS_FLEET_CONFIG: fleetConfigPath, NODE_ENV: 'production' };
  const pubsubHost = info.pubsubEmulatorHost;
  keepRunning(() =>
    startProcess(
      'local-fleet',
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'jobs/fleet/local/main.ts'),
        `--port=${fleetPort}`,
        `--fleet-config=${fleetConfigPath}`,
        `--clusters-file=${clustersFile}`,
        `--kubeconfig=${controlPlane.componentsKubeconfig}`,
        `--tls-cert=${controlPlane.pki.servingCert}`,
        `--tls-key=${controlPlane.pki.servingKey}`,
        `--storage-dir=${storageDir}`,
        `--pubsub-emulator-host=${pubsubHost}`,
        `--log-dir=${join(logDir, 'pods')}`,
        `--volumes-dir=${join(home, 'pod-volumes')}`,
        `--parallelism=${values.parallelism ?? availableParallelism()}`,
        `--local-images=${join(ROOT, 'altus.local-images.json')}`,
      ],
      { env: { ...env, ALTUS_METER_ROLE: 'local-fleet' }, logFile: join(logDir, 'local-fleet.log'), cwd: ROOT },
    ),
  );
  STACK_FUNCTIONS.forEach((fn, i) => {
    keepRunning(() =>
      startProcess(
        fn,
        process.execPath,
        [
          '--import',
          'tsx',
          FRAMEWORK,
          `--target=${fn}`,
          `--source=${join(ROOT, 'functions', fn, 'index.ts')}`,
          `--port=${serverPorts[i]}`,
          '--signature-type=cloudevent',
        ],
        { env: { ...env, ...handlerTimeout(fn), ...kubeIdentity(fn), ALTUS_METER_ROLE: fn }, logFile: join(logDir, `${fn}.log`), cwd: ROOT },
      ),
    );
  });
  // The dashboard is the one HTTP function: no push subscription, it serves people.
  // Its browser bundle is built from the sources as they are now (a fraction of a second; unchanged bytes are not rewritten).
  await writeDashboardBundle();
  keepRunning(() =>
    startProcess(
      'dashboard',
      process.execPath,
      [
        '--import',
        'tsx',
        FRAMEWORK,
        '--target=dashboard',
        `--source=${join(ROOT, 'functions/dashboard/index.ts')}`,
        `--port=${dashboardPort}`,
        '--signature-type=http',
      ],
      { env: { ...env, ALTUS_METER_ROLE: 'dashboard' }, logFile: join(logDir, 'dashboard.log'), cwd: ROOT },
    ),
  );
  // Generous: on a loaded 2-core machine several stacks may be compiling their TypeScript at once.
  await Promise.all([
    waitForHttp(`${info.localFleetUrl}/_altus/clusters`, SERVER_START_MILLISECONDS),
    waitForHttp(`${info.dashboardUrl}api/runs?limit=1`, SERVER_START_MILLISECONDS),
    ...serverPorts.map((port) => waitForPort(port!, SERVER_START_MILLISECONDS)),
  ]);
  // What `altus fleet bootstrap` applies to a GKE worker cluster, applied by the same code as the operator.
  await applyBootstrap(buildBootstrap(fleet), localClusterAccess(kubeconfig));
  await waitForGrants(
    kubeconfig,
    fleet.clusters.map((c) => c.name),
    fleet.namespace,
  );
  const bus = createPubSub({ projectId, pubsubEmulatorHost: info.pubsubEmulatorHost });
  info.topics = await wireTopics(bus, projectId, functions);
  // Locally, an interval stands in for Cloud Scheduler's reconcile tick.
  const tickMilliseconds = Number(values['reconcile-seconds'] ?? 10) * 1000;
  const reconcileTopic = bus.topic(info.topics.reconcile);
  setInterval(() => {
    reconcileTopic.publishMessage({ json: { v: 1 } }).catch((error: Error) => process.stderr.write(`supervisor: reconcile tick failed: ${error.message}\n`));
  }, tickMilliseconds);
  info.status = 'ready';
  writeStack(home, info);
}

/**
 * A Pub/Sub-driven function answers before its subscription's ack deadline: the
 * emulator's push waits for an answer without a read timeout, on two connections
 * per subscription, so two requests that never answered would stop it for good.
 */
function handlerTimeout(fn: StackFunction): Record<string, string> {
  const sub = PUSH_SUBSCRIPTIONS.find((s) => s.fn === fn);
  return sub ? { ALTUS_HANDLER_TIMEOUT_SECONDS: String(Math.max(5, sub.ackDeadlineSeconds - 5)) } : {};
}

/**
 * Waits until each API server's RBAC authorizer has seen the bootstrap's grants (its
 * informers lag the writes a little): a run submitted as soon as the stack is ready
 * must not meet a 403 that a second later would have been a 201.
 */
async function waitForGrants(kubeconfig: string, clusters: readonly string[], namespace: string): Promise<void> {
  const access = localClusterAccess(kubeconfig, KUBE_USERS.dispatch);
  for (const cluster of clusters) {
    const api = (await access(cluster)).makeApiClient(AuthorizationV1Api);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const review = await api.createSelfSubjectAccessReview({
        body: { spec: { resourceAttributes: { group: 'batch', resource: 'jobs', verb: 'create', namespace } } },
      });
      if (review.status?.allowed) break;
      if (Date.now() > deadline) throw new Error(`cluster ${cluster}: the dispatch identity still may not create Jobs a minute after the fleet bootstrap`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The identity a function calls the worker clusters with: its own service account's, as on GCP. */
function kubeIdentity(fn: StackFunction): Record<string, string> {
  if (fn === 'dispatch') return { ALTUS_LOCAL_KUBE_USER: KUBE_USERS.dispatch };
  if (fn === 'reconcile') return { ALTUS_LOCAL_KUBE_USER: KUBE_USERS.reconcile };
  return {};
}

/**
 * Starts a server and starts it again whenever it dies (as Cloud Functions starts
 * a new instance after a crash); the deliveries it dropped come back from Pub/Sub.
 */
function keepRunning(start: () => ManagedProcess): ManagedProcess {
  const proc = start();
  children.push(proc);
  proc.child.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`supervisor: ${proc.name} exited (${signal ?? code}); restarting it\n`);
    children.splice(children.indexOf(proc), 1);
    setTimeout(() => !stopping && keepRunning(start), 500);
  });
  return proc;
}

async function stop(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  if (info) writeStack(home, { ...info, status: 'stopping' });
  if (info && info.status !== 'failed') {
    try {
      await exportFirestore(Number(info.firestoreEmulatorHost.split(':')[1]), projectId, dataDir);
    } catch (error) {
      process.stderr.write(`supervisor: Firestore export failed, run history since the last export is lost: ${(error as Error).message}\n`);
    }
  }
  await Promise.all(children.reverse().map((c) => stopProcessGroup(c.pid)));
  rmSync(stackFile(home), { force: true });
  process.exit(code);
}

process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
try {
  await start();
} catch (error) {
  const message = (error as Error).message;
  process.stderr.write(`supervisor: ${message}\n`);
  mkdirSync(home, { recursive: true });
  info = { ...(info ?? ({} as StackInfo)), status: 'failed', error: message, supervisorPid: process.pid, home } as StackInfo;
  writeStack(home, info);
  // Nothing is restarted from here on: a child stopped now must stay stopped, not outlive the supervisor.
  stopping = true;
  await Promise.all(children.reverse().map((c) => stopProcessGroup(c.pid)));
  process.exit(1);
}
