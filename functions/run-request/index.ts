/** Entry of the `run-request` Cloud Function (push subscription on the run-requests topic). */
import * as functions from '@google-cloud/functions-framework';
import { createDependencies } from '../pipeline/runtime.ts';
import { createRunRequestHandler } from './handler.ts';

const handler = createRunRequestHandler(await createDependencies('run-request'));
functions.cloudEvent('run-request', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
