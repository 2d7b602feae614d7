/** Entry of the `collect` Cloud Function (push subscription on the completions topic). */
import * as functions from '@google-cloud/functions-framework';
import { createDependencies } from '../pipeline/runtime.ts';
import { createCollectHandler } from './handler.ts';

const handler = createCollectHandler(await createDependencies('collect'));
functions.cloudEvent('collect', async (event: functions.CloudEvent<unknown>) => {
  await handler(event);
});
