/**
 * A shard's result rows as they are computed: kept in memory while they are
 * small, staged in a local file once they pass SPILL_CHARACTERS (then streamed
 * up by the caller), so a worker's memory does not grow with its shard (a
 * 100,000-row shard held as strings took more than 100 MB of heap) while a small
 * shard costs no file. The bytes are the rows joined by newlines with a final
 * newline either way.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Rows held in memory before they go to a file (≈ 4 MB of text). */
export const SPILL_CHARACTERS = 1 << 22;
const WRITE_CHARACTERS = 1 << 18;

/** The rows, as text or as a file the caller uploads and removes. */
export type StagedRows = { rows: string } | { rowsFile: string };

/** Collects rows; spills them to a fresh temporary file when they grow large. */
export class RowsFile {
  private readonly label: string;
  private readonly dir: string;
  private path: string | undefined;
  private out: WriteStream | undefined;
  private batch: string[] = [];
  private batchCharacters = 0;
  private failure: Error | undefined;

  constructor(label: string, dir = tmpdir()) {
    this.label = label;
    this.dir = dir;
  }

  /** Adds one row (its JSON text). */
  async add(row: string): Promise<void> {
    this.batch.push(row);
    this.batchCharacters += row.length;
    if (this.out ? this.batchCharacters >= WRITE_CHARACTERS : this.batchCharacters >= SPILL_CHARACTERS) await this.flush();
  }

  /** The rows: in memory if they stayed small, else the closed file. */
  async close(): Promise<StagedRows> {
    if (!this.out) return { rows: this.batch.length ? this.batch.join('\n') + '\n' : '' };
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
    if (this.failure) throw this.failure;
    return { rowsFile: this.path! };
  }

  /** Closes and removes the file, if any (on failure). */
  async discard(): Promise<void> {
    this.out?.destroy();
    if (this.path) await rm(this.path, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.out) {
      this.path = join(this.dir, `altus-${this.label}-${randomBytes(4).toString('hex')}.ndjson`);
      this.out = createWriteStream(this.path);
      this.out.on('error', (error) => (this.failure = error));
    }
    if (this.batch.length === 0) return;
    const text = this.batch.join('\n') + '\n';
    this.batch = [];
    this.batchCharacters = 0;
    if (!this.out.write(text)) await once(this.out, 'drain');
  }
}
