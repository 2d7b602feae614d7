/**
 * Cloud Storage implementation of {@link ObjectStore}: create-only writes with
 * `ifGenerationMatch: 0`, size checked from metadata before download, and
 * compose in a tree of at most 32 sources per call.
 */
import { randomUUID } from 'node:crypto';
import type { Storage } from '@google-cloud/storage';
import { PassThrough, type Readable } from 'node:stream';
import { ObjectNotFoundError, ObjectTooLargeError, objectUri, parseObjectUri, type ObjectInfo, type ObjectStore, type ReadRange } from './object-store.ts';

const COMPOSE_FAN_IN = 32;

/** {@link ObjectStore} over a `@google-cloud/storage` client (injected, or made on first use). */
export class GcsObjectStore implements ObjectStore {
  private client: Promise<Storage> | undefined;

  constructor(private readonly storage: Storage | (() => Promise<Storage>)) {}

  private async gcs(): Promise<Storage> {
    this.client ??= typeof this.storage === 'function' ? this.storage() : Promise.resolve(this.storage);
    return this.client;
  }

  private async file(uri: string) {
    const { bucket, name } = parseObjectUri(uri);
    return (await this.gcs()).bucket(bucket).file(name);
  }

  async stat(uri: string): Promise<ObjectInfo | null> {
    const { bucket, name } = parseObjectUri(uri);
    try {
      const [metadata] = await (await this.file(uri)).getMetadata();
      return { bucket, name, size: Number(metadata.size ?? 0), generation: String(metadata.generation) };
    } catch (error) {
      if ((error as { code?: number }).code === 404) return null;
      throw error;
    }
  }

  async read(uri: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const info = await this.stat(uri);
    if (!info) throw new ObjectNotFoundError(uri);
    if (options.maxBytes !== undefined && info.size > options.maxBytes) throw new ObjectTooLargeError(uri, info.size, options.maxBytes);
    // The generation whose size was checked: an object rewritten in between cannot slip past the cap.
    const { bucket, name } = parseObjectUri(uri);
    const [contents] = await (await this.gcs())
      .bucket(bucket)
      .file(name, { generation: Number(info.generation) })
      .download();
    return contents;
  }

  readStream(uri: string, range: ReadRange = {}): Readable {
    const options: { start?: number; end?: number } = {};
    if (range.start !== undefined) options.start = range.start;
    if (range.end !== undefined) options.end = range.end - 1; // GCS ranges are inclusive
    const out = new PassThrough();
    this.file(uri).then(
      (file) => {
        const source = file.createReadStream(options);
        source.on('error', (error) => out.destroy(error));
        source.pipe(out);
      },
      (error: Error) => out.destroy(error),
    );
    return out;
  }

  async write(uri: string, data: Buffer | string, options: { ifAbsent?: boolean; contentType?: string } = {}) {
    const { bucket, name } = parseObjectUri(uri);
    try {
      await (await this.file(uri)).save(data, {
        resumable: false,
        contentType: options.contentType ?? 'application/octet-stream',
        ...(options.ifAbsent ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
      });
      const info = await this.stat(uri);
      return { created: true, info: info ?? { bucket, name, size: Buffer.byteLength(data), generation: '0' } };
    } catch (error) {
      if (options.ifAbsent && (error as { code?: number }).code === 412) {
        const info = await this.stat(uri);
        if (info) return { created: false, info };
      }
      throw error;
    }
  }

  async upload(uri: string, localPath: string, options: { ifAbsent?: boolean; contentType?: string; consumeSource?: boolean } = {}) {
    const { bucket, name } = parseObjectUri(uri);
    try {
      await (await this.gcs()).bucket(bucket).upload(localPath, {
        destination: name,
        contentType: options.contentType ?? 'application/octet-stream',
        ...(options.ifAbsent ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
      });
      const info = await this.stat(uri);
      if (!info) throw new Error(`${uri} is missing right after its upload`);
      return { created: true, info };
    } catch (error) {
      if (options.ifAbsent && (error as { code?: number }).code === 412) {
        const info = await this.stat(uri);
        if (info) return { created: false, info };
      }
      throw error;
    }
  }

  async compose(sources: readonly string[], destination: string, options: { contentType?: string } = {}): Promise<ObjectInfo> {
    const { bucket, name } = parseObjectUri(destination);
    if (sources.length === 0) {
      await this.write(destination, '', options);
    } else {
      let level = sources.map((s) => parseObjectUri(s).name);
      let round = 0;
      // Per call: two deliveries composing the same destination must not share (and delete) each other's parts.
      const parts = `${name}.parts/${randomUUID()}`;
      // Compose accepts 32 sources; larger sets are folded level by level into temporary parts.
      while (level.length > COMPOSE_FAN_IN) {
        const next: string[] = [];
        for (let i = 0; i < level.length; i += COMPOSE_FAN_IN) {
          const part = `${parts}/${round}/${String(i / COMPOSE_FAN_IN).padStart(6, '0')}`;
          await (await this.gcs()).bucket(bucket).combine(level.slice(i, i + COMPOSE_FAN_IN), part);
          next.push(part);
        }
        level = next;
        round += 1;
      }
      await (await this.gcs()).bucket(bucket).combine(level, name);
      if (round > 0) await this.deletePrefix(objectUri(bucket, `${parts}/`));
    }
    const info = await this.stat(destination);
    if (!info) throw new Error(`${destination} is missing after compose`);
    return info;
  }

  async list(prefixUri: string): Promise<string[]> {
    const match = /^gs:\/\/([^/]+)\/(.*)$/.exec(prefixUri);
    if (!match) throw new Error(`not a gs:// prefix: ${prefixUri}`);
    const [files] = await (await this.gcs()).bucket(match[1]!).getFiles({ prefix: match[2]! });
    return files.map((f) => f.name).sort();
  }

  async deletePrefix(prefixUri: string): Promise<void> {
    const match = /^gs:\/\/([^/]+)\/(.*)$/.exec(prefixUri);
    if (!match) throw new Error(`not a gs:// prefix: ${prefixUri}`);
    await (await this.gcs()).bucket(match[1]!).deleteFiles({ prefix: match[2]! });
  }
}
