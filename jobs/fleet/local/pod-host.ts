/**
 * A warm worker process of the local fleet: it runs one index at a time, each
 * with exactly the environment its pod would have, and reports the exit code.
 * Killing the process loses only the index it is running.
 */
import { parseMeterSettings } from '../../../shared/config.ts';
import { createMeter } from '../../../shared/metering.ts';
import { runWorker, WorkerCache } from '../../worker/worker.ts';

interface RunIndex {
  id: number;
  env: Record<string, string>;
  /** The container's args: a custom kernel's command, as the Job gives it. */
  args: string[];
}

// One meter for the process (the pool starts it as a `worker`), shared by every index it runs.
const cache = new WorkerCache(createMeter(parseMeterSettings(process.env)));
process.on('message', (message: RunIndex) => {
  void runWorker(message.env, cache, message.args).then((exitCode) => process.send?.({ id: message.id, exitCode }));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
