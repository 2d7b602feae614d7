/** Entry of the `dispatch` Cloud Function (push subscription on the dispatch topic). */
import * as functions from '@google-cloud/functions-framework';
import { guardPubSub } from '../pipeline/poison-guard.ts';
import { createDependencies } from '../pipeline/runtime.ts';
import { createDispatchHandler } from './handler.ts';

const deps = await createDependencies('dispatch');
const handler = guardPubSub(deps, 'dispatch', createDispatchHandler(deps));
functions.cloudEvent('dispatch', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
