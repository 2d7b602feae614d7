/** Entry of the `ingest` Cloud Function (Eventarc: object finalized in the manifests bucket). */
import * as functions from '@google-cloud/functions-framework';
import { createDependencies } from '../pipeline/runtime.ts';
import { createIngestHandler, type StorageObjectData } from './handler.ts';

const handler = createIngestHandler(await createDependencies('ingest'));
functions.cloudEvent<StorageObjectData>('ingest', async (event: functions.CloudEvent<StorageObjectData>) => {
  await handler(event);
});
