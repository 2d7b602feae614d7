/** Entry of the `reconcile` Cloud Function (push subscription on the reconcile topic, ticked by Cloud Scheduler). */
import * as functions from '@google-cloud/functions-framework';
import { guardPubSub } from '../pipeline/poison-guard.ts';
import { createDependencies } from '../pipeline/runtime.ts';
import { createReconcileHandler } from './handler.ts';

const deps = await createDependencies('reconcile');
const handler = guardPubSub(deps, 'reconcile', createReconcileHandler(deps));
functions.cloudEvent('reconcile', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
