/**
 * The storage interface the pipeline uses for manifests, plans and results.
 * Implemented by Cloud Storage and, where no GCS runs, by a folder with the same
 * semantics (generations, create-only writes, ranged reads, compose).
 */
import type { Readable } from 'node:stream';

/** Metadata of a stored object. */
export interface ObjectInfo {
  bucket: string;
  name: string;
  size: number;
  /** Changes on every overwrite; part of an upload's run id. */
  generation: string;
}

/** Options of a ranged read; `end` is exclusive. */
export interface ReadRange {
  start?: number;
  end?: number;
}

/** A bucket-addressed object store. */
export interface ObjectStore {
  /** Metadata, or null when the object does not exist. */
  stat(uri: string): Promise<ObjectInfo | null>;
  /** The whole object as bytes; fails with {@link ObjectTooLargeError} past `maxBytes` (checked before download). */
  read(uri: string, options?: { maxBytes?: number }): Promise<Buffer>;
  /** A stream of the object's bytes, optionally a byte range. */
  readStream(uri: string, range?: ReadRange): Readable;
  /**
   * Writes the object. With `ifAbsent`, an existing object is left as it is and
   * `created` is false: the create-only write that makes shard results idempotent.
   */
  write(uri: string, data: Buffer | string, options?: { ifAbsent?: boolean; contentType?: string }): Promise<{ created: boolean; info: ObjectInfo }>;
  /**
   * Writes a local file as the object, streamed (never whole in memory), with the
   * same create-only semantics as {@link write}: results too large to buffer.
   * With `consumeSource` the caller hands the file over (it only removes it
   * afterwards): a store on the same disk may link it instead of copying it.
   */
  upload(
    uri: string,
    localPath: string,
    options?: { ifAbsent?: boolean; contentType?: string; consumeSource?: boolean },
  ): Promise<{ created: boolean; info: ObjectInfo }>;
  /** Concatenates `sources` in order into `destination` (GCS compose; a streamed copy locally). */
  compose(sources: readonly string[], destination: string, options?: { contentType?: string }): Promise<ObjectInfo>;
  /** Object names under a prefix, sorted. */
  list(prefixUri: string): Promise<string[]>;
  /** Removes objects under a prefix (temporary compose parts). */
  deletePrefix(prefixUri: string): Promise<void>;
  /** Where the object sits on this machine, for stores backed by a local folder. */
  localPath?(uri: string): string;
}

/** The object is bigger than the caller allows. */
export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
  constructor(
    readonly uri: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`${uri} is ${size} bytes, over the ${maxBytes}-byte cap`);
  }
}

/** The object does not exist. */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(readonly uri: string) {
    super(`${uri} does not exist`);
  }
}

/** A URI or object name that names no object Altus may use (not `gs://`, a bad bucket, an unsafe name). */
export class InvalidObjectUriError extends Error {
  override readonly name = 'InvalidObjectUriError';
}

/** A bucket and object name, split from `gs://bucket/name`. */
export interface ObjectAddress {
  bucket: string;
  name: string;
}

const BUCKET = /^[a-z0-9][-_.a-z0-9]{1,221}[a-z0-9]$/;

/**
 * Splits a `gs://bucket/name` URI. Rejects names a local folder could be tricked
 * with (`..` segments, control characters, empty segments, a leading `/`).
 */
export function parseObjectUri(uri: string): ObjectAddress {
  const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new InvalidObjectUriError(`not a gs:// object URI: ${JSON.stringify(uri)}`);
  const [, bucket, name] = match as unknown as [string, string, string];
  if (!BUCKET.test(bucket)) throw new InvalidObjectUriError(`invalid bucket name in ${JSON.stringify(uri)}`);
  checkObjectName(name);
  return { bucket, name };
}

/** Throws when an object name could escape a folder or carries control characters. */
export function checkObjectName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new InvalidObjectUriError(`object name has control characters: ${JSON.stringify(name)}`);
  if (name.length > 1024) throw new InvalidObjectUriError('object name is longer than 1024 bytes');
  const segments = name.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) {
    throw new InvalidObjectUriError(`object name has an empty, "." or ".." segment: ${JSON.stringify(name)}`);
  }
}

/** `gs://bucket/name`. */
export function objectUri(bucket: string, name: string): string {
  return `gs://${bucket}/${name}`;
}
