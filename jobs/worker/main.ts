/**
 * Container entrypoint of the worker image: one pod, one index. The container's
 * args, when given, are a custom kernel's command (see jobs/worker/entrypoint.mjs
 * and jobs/Dockerfile).
 */
import { parseMeterSettings } from '../../shared/config.ts';
import { createMeter } from '../../shared/metering.ts';
import { TERMINATION_GRACE_SECONDS } from '../fleet/job-builder.ts';
import { EXIT_TERMINATED, stopOnSigterm } from './termination.ts';
import { runWorker, WorkerCache } from './worker.ts';

// Exit a second before the kubelet's SIGKILL, whatever is still in flight.
const signal = stopOnSigterm(process, (TERMINATION_GRACE_SECONDS - 1) * 1000);
const code = await runWorker(process.env, new WorkerCache(createMeter(parseMeterSettings(process.env))), process.argv.slice(2), { signal });
// A stopped shard leaves at once: an upload still in flight is never finalized, so nothing half-written appears.
if (code === EXIT_TERMINATED) process.exit(code);
process.exitCode = code;
