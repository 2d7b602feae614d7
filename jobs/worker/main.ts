/**
 * Container entrypoint of the worker image: one pod, one index.
 * `node --import tsx jobs/worker/main.ts` (see jobs/Dockerfile).
 */
import { runWorker } from './worker.ts';

process.exitCode = await runWorker(process.env);
