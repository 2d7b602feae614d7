/** Entry of the `collect` Cloud Function (push subscription on the completions topic). */
import * as functions from '@google-cloud/functions-framework';
import { guardPubSub } from '../pipeline/poison-guard.ts';
import { createDependencies } from '../pipeline/runtime.ts';
import { createCollectHandler } from './handler.ts';

const deps = await createDependencies('collect');
const handler = guardPubSub(deps, 'collect', createCollectHandler(deps));
functions.cloudEvent('collect', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
