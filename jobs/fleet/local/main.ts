/**
 * The local fleet as a process, started by the local stack beside the real
 * control plane (scripts/stack/control-plane.ts): per worker cluster a node
 * agent (the kubelet's stand-in) and the gateway that callers outside the
 * cluster reach its API server through, plus the fault endpoints (fault-api.ts)
 * and the kubelet log endpoint. Stops its pods on SIGTERM.
 *
 *     tsx jobs/fleet/local/main.ts --port P --fleet-config F --clusters-file C --kubeconfig K
 *       --tls-cert T --tls-key T --storage-dir D --pubsub-emulator-host H --log-dir L
 *       [--parallelism N] [--local-images F]
 *
 * `--clusters-file` is JSON, `[{ name, apiServerPort, gatewayPort }]`; `--kubeconfig` has
 * one context per cluster, straight to its API server, for an identity that may
 * register nodes and write pod status.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { FleetConfigError, loadFleetConfig, type FleetConfig } from '../../../shared/fleet-config.ts';
import { createLogger } from '../../../shared/log.ts';
import { ClusterGateway } from './cluster-gateway.ts';
import { startFaultApi, type FaultTarget } from './fault-api.ts';
import { startKubeletServer } from './kubelet-server.ts';
import { loadLocalImages, LocalImagesError, resolveLocalImage, type LocalImages } from './local-images.ts';
import { NodeAgent, type ImageResolver } from './node-agent.ts';
import { localNodes } from './nodes.ts';
import { PodPool } from './pod-pool.ts';

const clustersSchema = z.array(
  z.object({ name: z.string().min(1), apiServerPort: z.number().int().positive(), gatewayPort: z.number().int().positive() }).strict(),
);

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'fleet-config': { type: 'string' },
    'clusters-file': { type: 'string' },
    kubeconfig: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'storage-dir': { type: 'string' },
    'pubsub-emulator-host': { type: 'string' },
    'log-dir': { type: 'string' },
    'volumes-dir': { type: 'string' },
    parallelism: { type: 'string' },
    'local-images': { type: 'string' },
  },
});
const fail = (message: string): never => {
  process.stderr.write(`local fleet: ${message}\n`);
  process.exit(2);
};
for (const required of [
  'port',
  'fleet-config',
  'clusters-file',
  'kubeconfig',
  'tls-cert',
  'tls-key',
  'storage-dir',
  'pubsub-emulator-host',
  'log-dir',
] as const) {
  if (!values[required]) fail(`--${required} is required`);
}
const fleet = ((path: string): FleetConfig => {
  try {
    return loadFleetConfig(path);
  } catch (error) {
    if (!(error instanceof FleetConfigError)) throw error;
    return fail(error.message);
  }
})(values['fleet-config']!);
const images = ((path: string | undefined): LocalImages => {
  try {
    return path ? loadLocalImages(path) : new Map();
  } catch (error) {
    if (!(error instanceof LocalImagesError)) throw error;
    return fail(error.message);
  }
})(values['local-images']);
const clusters = clustersSchema.parse(JSON.parse(readFileSync(values['clusters-file']!, 'utf8')));
const parallelism = Number(values.parallelism ?? availableParallelism());
const log = createLogger({ component: 'local-fleet' });

/** The worker image is this machine's worker runtime; a custom image is the folder the local image table names, or it cannot be pulled. */
const resolveImage: ImageResolver = (image) => {
  if (!image || image === fleet.workerImage) return {};
  const folder = resolveLocalImage(images, image);
  if (folder) return { folder };
  return { problem: `no container engine runs here, and altus.local-images.json names no folder for ${image} (add "${image}": "<its build context>")` };
};

// A kubelet outlives any one failed request: a write that slipped through is logged, and the agent goes on.
process.on('unhandledRejection', (error) => log.error('unhandled rejection in the node agent', { error: String((error as Error)?.stack ?? error) }));

const pool = new PodPool(parallelism);
const agents: NodeAgent[] = [];
const kubelet = await startKubeletServer({
  cert: values['tls-cert']!,
  key: values['tls-key']!,
  logs: (namespace, pod) => agents.map((a) => a.logFile(namespace, pod)).find((f) => f !== undefined),
});
const targets: FaultTarget[] = [];
for (const { name, apiServerPort, gatewayPort } of clusters) {
  const cluster = fleet.clusters.find((c) => c.name === name) ?? fail(`cluster ${name} is not in ${values['fleet-config']}`);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(values.kubeconfig!);
  kubeConfig.setCurrentContext(name);
  const gateway = new ClusterGateway(apiServerPort);
  await gateway.listen(gatewayPort);
  const agent = new NodeAgent({
    cluster: name,
    kubeConfig,
    nodes: localNodes(fleet, cluster, parallelism),
    pool,
    images: resolveImage,
    nodeEnv: {
      ALTUS_STORAGE: 'local',
      ALTUS_LOCAL_STORAGE_DIR: values['storage-dir']!,
      PUBSUB_EMULATOR_HOST: values['pubsub-emulator-host']!,
      // A container has its image's PATH; here the machine is the image, and a custom kernel's command is looked up on it.
      ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    },
    logDir: values['log-dir']!,
    volumesDir: values['volumes-dir'] ?? join(values['log-dir']!, '..', 'pod-volumes'),
    kubeletPort: kubelet.port,
    log: log.with({ cluster: name }),
  });
  await agent.start();
  agents.push(agent);
  targets.push({ name, agent, gateway, kubeConfig });
}
const server = await startFaultApi(targets, fleet.namespace, Number(values.port));
process.stdout.write(
  JSON.stringify({
    severity: 'INFO',
    message: 'local fleet ready',
    port: Number(values.port),
    parallelism,
    kubeletPort: kubelet.port,
    clusters: clusters.map((c) => c.name),
  }) + '\n',
);

const stop = async () => {
  server.close();
  kubelet.server.close();
  await Promise.all(agents.map((a) => a.stop()));
  await Promise.all(targets.map((t) => t.gateway.close()));
  await pool.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
