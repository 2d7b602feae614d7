/**
 * Container entrypoint of the worker image: one pod, one index. The container's
 * args, when given, are a custom kernel's command (see jobs/worker/entrypoint.mjs
 * and jobs/Dockerfile).
 */
import { runWorker, WorkerCache } from './worker.ts';

process.exitCode = await runWorker(process.env, new WorkerCache(), process.argv.slice(2));
