/**
 * A shard's result rows, staged in a local file as they are computed and then
 * streamed to the bucket: a worker's memory does not grow with its shard (a
 * 100,000-row shard held as strings took more than 100 MB of heap). Rows are
 * batched into ~256 KiB writes, one line each, so the bytes are exactly the
 * rows joined by newlines with a final newline.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BATCH_CHARACTERS = 1 << 18;

/** Writes rows to a fresh temporary file. */
export class RowsFile {
  readonly path: string;
  private readonly out: WriteStream;
  private batch: string[] = [];
  private batchCharacters = 0;
  private failure: Error | undefined;

  constructor(label: string, dir = tmpdir()) {
    this.path = join(dir, `altus-${label}-${randomBytes(4).toString('hex')}.ndjson`);
    this.out = createWriteStream(this.path);
    this.out.on('error', (error) => (this.failure = error));
  }

  /** Adds one row (its JSON text). */
  async add(row: string): Promise<void> {
    this.batch.push(row);
    this.batchCharacters += row.length;
    if (this.batchCharacters >= BATCH_CHARACTERS) await this.flush();
  }

  /** Writes what is left and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
    if (this.failure) throw this.failure;
  }

  /** Closes and removes the file (on failure). */
  async discard(): Promise<void> {
    this.out.destroy();
    await rm(this.path, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.batch.length === 0) return;
    const text = this.batch.join('\n') + '\n';
    this.batch = [];
    this.batchCharacters = 0;
    if (!this.out.write(text)) await once(this.out, 'drain');
  }
}
