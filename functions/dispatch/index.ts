/** Entry of the `dispatch` Cloud Function (push subscription on the dispatch topic). */
import * as functions from '@google-cloud/functions-framework';
import { createDependencies } from '../pipeline/runtime.ts';
import { createDispatchHandler } from './handler.ts';

const handler = createDispatchHandler(await createDependencies('dispatch'));
functions.cloudEvent('dispatch', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
