/** Entry of the `aggregate` Cloud Function (push subscription on the aggregate topic). */
import * as functions from '@google-cloud/functions-framework';
import { createDependencies } from '../pipeline/runtime.ts';
import { createAggregateHandler } from './handler.ts';

const handler = createAggregateHandler(await createDependencies('aggregate'));
functions.cloudEvent('aggregate', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
