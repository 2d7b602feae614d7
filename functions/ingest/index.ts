/** Entry of the `ingest` Cloud Function (Eventarc: object finalized in the manifests bucket). */
import * as functions from '@google-cloud/functions-framework';
import { guardStorageEvent } from '../pipeline/poison-guard.ts';
import { createDependencies } from '../pipeline/runtime.ts';
import { createIngestHandler, ingestRunId, type StorageObjectData } from './handler.ts';

const deps = await createDependencies('ingest');
const handler = guardStorageEvent(deps, 'ingest', ingestRunId, createIngestHandler(deps));
functions.cloudEvent<StorageObjectData>('ingest', async (event: functions.CloudEvent<StorageObjectData>) => {
  await handler(event);
});
