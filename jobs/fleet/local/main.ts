/**
 * The local fleet as a process: `tsx jobs/fleet/local/main.ts --port P --fleet-config F
 * [--clusters a,b] --storage-dir D --pubsub-emulator-host H --project-id P --log-dir L
 * [--parallelism N] [--local-images F]`. `--local-images` names the folders that stand in
 * for custom kernel images (local-images.ts). Started by the local stack; stops its pods on SIGTERM.
 * Jobs are admitted as a GKE worker cluster's API server would admit them
 * ({@link fleetAdmission}: the official schema, the API server's rules, the
 * target cluster's Spot placement), so a Job that would be refused there is
 * refused here with the same 422.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { FleetConfigError, loadFleetConfig, type FleetConfig } from '../../../shared/fleet-config.ts';
import { createLogger } from '../../../shared/log.ts';
import { fleetAdmission } from '../admission.ts';
import { LocalFleetServer } from './api-server.ts';
import { loadLocalImages, LocalImagesError, type LocalImages } from './local-images.ts';
import { PodPool } from './pod-pool.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'fleet-config': { type: 'string' },
    clusters: { type: 'string' },
    'storage-dir': { type: 'string' },
    'pubsub-emulator-host': { type: 'string' },
    'project-id': { type: 'string' },
    'log-dir': { type: 'string' },
    parallelism: { type: 'string' },
    'local-images': { type: 'string' },
  },
});
const fail = (message: string): never => {
  process.stderr.write(`local fleet: ${message}\n`);
  process.exit(2);
};
for (const required of ['port', 'fleet-config', 'storage-dir', 'pubsub-emulator-host', 'log-dir'] as const) {
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
const configured = fleet.clusters.map((c) => c.name);
// --clusters serves a subset; by default every worker cluster of the configuration.
const clusters = values.clusters ? values.clusters.split(',') : configured;
const unknown = clusters.filter((c) => !configured.includes(c));
if (unknown.length) fail(`--clusters names ${unknown.join(', ')}, not in ${values['fleet-config']}`);
const images = ((path: string | undefined): LocalImages => {
  try {
    return path ? loadLocalImages(path) : new Map();
  } catch (error) {
    if (!(error instanceof LocalImagesError)) throw error;
    return fail(error.message);
  }
})(values['local-images']);
const pool = new PodPool(Number(values.parallelism ?? availableParallelism()));
const server = new LocalFleetServer(clusters, pool, {
  env: {
    ALTUS_STORAGE: 'local',
    ALTUS_LOCAL_STORAGE_DIR: values['storage-dir']!,
    PUBSUB_EMULATOR_HOST: values['pubsub-emulator-host']!,
    // A container has its image's PATH; here the machine is the image, and a custom kernel's command is looked up on it.
    ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
  },
  logDir: values['log-dir']!,
  workerImage: fleet.workerImage,
  images,
  log: createLogger({ component: 'local-fleet' }),
}, fleetAdmission(fleet));
const port = await server.listen(Number(values.port));
process.stdout.write(JSON.stringify({ severity: 'INFO', message: 'local fleet listening', port, parallelism: pool.size }) + '\n');
const stop = async () => {
  await server.close();
  await pool.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
