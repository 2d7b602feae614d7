/**
 * `altus submit`: uploads a manifest as it is (the pipeline judges its content)
 * plus any parameter file it names by a relative path, to the manifests bucket,
 * under a folder of its own (`uploads/<time>-<random>/`).
 * Locally, the upload then emits the finalize event the way Eventarc would.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { PermanentError } from '../../shared/errors.ts';
import { runIdForUpload } from '../../shared/ids.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { objectUri, type ObjectInfo, type ObjectStore } from '../../shared/storage/object-store.ts';
import { resolveSource } from '../../jobs/parameters/registry.ts';
import { deliverFinalized } from '../stack/eventarc.ts';
import type { StackInfo } from '../stack/state.ts';
import { UsageError } from './exit-codes.ts';

/** What was uploaded. */
export interface Submission {
  runId: string;
  object: string;
  uploadedFiles: string[];
}

/** Uploads `manifestPath` to the local stack and triggers ingest; resolves to the run id. */
export async function submitLocal(stack: StackInfo, manifestPath: string): Promise<Submission> {
  const store = new LocalObjectStore(stack.storageDir);
  return upload(store, stack.buckets.manifests, manifestPath, (info) => deliverFinalized(stack.ingestUrl, info));
}

/** Uploads `manifestPath` to the deployment's manifests bucket in GCS; Eventarc triggers ingest. */
export async function submitToCloud(store: ObjectStore, manifestsBucket: string, manifestPath: string): Promise<Submission> {
  return upload(store, manifestsBucket, manifestPath, async () => {});
}

async function upload(store: ObjectStore, bucket: string, manifestPath: string, finalized: (info: ObjectInfo) => Promise<void>): Promise<Submission> {
  const path = resolve(manifestPath);
  if (!existsSync(path)) throw new UsageError(`no such manifest file: ${manifestPath}`);
  const bytes = readFileSync(path);
  // Each submission gets its own folder: two submissions naming the same parameter file never overwrite each other.
  const folder = `uploads/${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}/`;
  const object = folder + basename(path);
  const uploadedFiles: string[] = [];
  const relativeFile = referencedFile(bytes);
  if (relativeFile) {
    const local = resolve(dirname(path), relativeFile);
    if (!existsSync(local)) throw new UsageError(`the manifest's parameter source names ${relativeFile}, which does not exist next to it (${local})`);
    const key =
      folder +
      relativeFile
        .split('/')
        .filter((s) => s && s !== '.')
        .join('/');
    if (key.split('/').includes('..')) throw new UsageError(`the parameter file ${relativeFile} must stay inside the manifest's folder to be uploaded with it`);
    await store.write(objectUri(bucket, key), readFileSync(local));
    uploadedFiles.push(key);
  }
  const { info } = await store.write(objectUri(bucket, object), bytes, { contentType: 'application/json' });
  await finalized(info);
  return { runId: runIdForUpload(bucket, object, info.generation), object, uploadedFiles };
}

/**
 * The local file the manifest's parameter source names (a relative `parameters.file.uri`),
 * if the manifest reads as one; anything else is left for the pipeline to judge and explain.
 */
function referencedFile(bytes: Buffer): string | undefined {
  let parameters: unknown;
  try {
    parameters = (JSON.parse(bytes.toString('utf8')) as { parameters?: unknown } | null)?.parameters;
  } catch {
    return undefined;
  }
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) return undefined;
  try {
    return resolveSource(parameters as Record<string, unknown>).localFile();
  } catch (error) {
    if (error instanceof PermanentError) return undefined;
    throw error;
  }
}
