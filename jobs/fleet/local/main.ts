/**
 * The local fleet as a process: `tsx jobs/fleet/local/main.ts --port P --clusters a,b
 * --storage-dir D --pubsub-emulator-host H --project-id P --log-dir L [--parallelism N]`.
 * Started by the local stack; stops its pods on SIGTERM.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { LocalFleetServer } from './api-server.ts';
import { PodPool } from './pod-pool.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    clusters: { type: 'string' },
    'storage-dir': { type: 'string' },
    'pubsub-emulator-host': { type: 'string' },
    'project-id': { type: 'string' },
    'log-dir': { type: 'string' },
    parallelism: { type: 'string' },
  },
});
for (const required of ['port', 'clusters', 'storage-dir', 'pubsub-emulator-host', 'log-dir'] as const) {
  if (!values[required]) {
    process.stderr.write(`local fleet: --${required} is required\n`);
    process.exit(2);
  }
}
const pool = new PodPool(Number(values.parallelism ?? availableParallelism()));
const server = new LocalFleetServer(values.clusters!.split(','), pool, {
  env: {
    ALTUS_STORAGE: 'local',
    ALTUS_LOCAL_STORAGE_DIR: values['storage-dir']!,
    PUBSUB_EMULATOR_HOST: values['pubsub-emulator-host']!,
  },
  logDir: values['log-dir']!,
});
const port = await server.listen(Number(values.port));
process.stdout.write(JSON.stringify({ severity: 'INFO', message: 'local fleet listening', port, parallelism: pool.size }) + '\n');
const stop = async () => {
  await server.close();
  await pool.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
