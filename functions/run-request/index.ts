/** Entry of the `run-request` Cloud Function (push subscription on the run-requests topic). */
import * as functions from '@google-cloud/functions-framework';
import { guardPubSub } from '../pipeline/poison-guard.ts';
import { createDependencies } from '../pipeline/runtime.ts';
import { createRunRequestHandler } from './handler.ts';

const deps = await createDependencies('run-request');
const handler = guardPubSub(deps, 'run-request', createRunRequestHandler(deps));
functions.cloudEvent('run-request', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
