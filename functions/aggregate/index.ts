/** Entry of the `aggregate` Cloud Function (push subscription on the aggregate topic). */
import * as functions from '@google-cloud/functions-framework';
import { guardPubSub } from '../pipeline/poison-guard.ts';
import { createDependencies } from '../pipeline/runtime.ts';
import { createAggregateHandler } from './handler.ts';

const deps = await createDependencies('aggregate');
const handler = guardPubSub(deps, 'aggregate', createAggregateHandler(deps));
functions.cloudEvent('aggregate', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
