/**
 * Builds the real Google Cloud clients from the runtime configuration: emulator
 * endpoints locally, Application Default Credentials in the cloud. The one place
 * that constructs clients; handlers receive them.
 */
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { GcsObjectStore } from './storage/gcs-store.ts';
import { LocalObjectStore } from './storage/local-store.ts';
import type { ObjectStore } from './storage/object-store.ts';

/** Where Firestore and Pub/Sub are. */
export interface CloudEndpoints {
  projectId: string;
  firestoreEmulatorHost?: string;
  pubsubEmulatorHost?: string;
}

/** A Pub/Sub client for the project (the emulator when its host is given). */
export function createPubSub(endpoints: CloudEndpoints): PubSub {
  return new PubSub({
    projectId: endpoints.projectId,
    // A universe domain given up front keeps the client from probing for a GCE metadata server.
    ...(endpoints.pubsubEmulatorHost ? { apiEndpoint: endpoints.pubsubEmulatorHost, emulatorMode: true, universeDomain: 'googleapis.com' } : {}),
  });
}

/** A Firestore client for the project (the emulator when its host is given). */
export function createFirestore(endpoints: CloudEndpoints): Firestore {
  const db = new Firestore({
    projectId: endpoints.projectId,
    ...(endpoints.firestoreEmulatorHost ? { host: endpoints.firestoreEmulatorHost, ssl: false } : {}),
    ignoreUndefinedProperties: true,
    ...(endpoints.firestoreEmulatorHost ? { universeDomain: 'googleapis.com' } : {}),
  });
  return db;
}

/** The storage of the configuration: GCS (its client loaded on first use), or a local folder standing in for it. */
export function createObjectStore(storage: { kind: 'gcs' } | { kind: 'local'; root: string }): ObjectStore {
  if (storage.kind === 'local') return new LocalObjectStore(storage.root);
  return new GcsObjectStore(async () => new (await import('@google-cloud/storage')).Storage());
}
