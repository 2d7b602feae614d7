/** Entry of the `reconcile` Cloud Function (push subscription on the reconcile topic, ticked by Cloud Scheduler). */
import * as functions from '@google-cloud/functions-framework';
import { createDependencies } from '../pipeline/runtime.ts';
import { createReconcileHandler } from './handler.ts';

const handler = createReconcileHandler(await createDependencies('reconcile'));
functions.cloudEvent('reconcile', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
