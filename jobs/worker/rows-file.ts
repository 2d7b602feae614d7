/**
 * A shard's result rows as they are computed, encoded at once into a byte
 * buffer (a row's text dies young instead of piling up as strings), kept in
 * memory while small and staged in a local file once past SPILL_BYTES (then
 * handed to the store by the caller), so a worker's memory does not grow with
 * its shard (a 100,000-row shard held as strings took more than 100 MB of heap)
 * and a small shard costs no file. The bytes are the rows joined by newlines
 * with a final newline either way.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Row bytes held in memory before they go to a file. */
export const SPILL_BYTES = 1 << 22;
const CHUNK_BYTES = 1 << 18;

/** The rows, as bytes or as a file the caller uploads and removes. */
export type StagedRows = { rows: Buffer } | { rowsFile: string };

/** Collects rows; spills them to a fresh temporary file when they grow large. */
export class RowsFile {
  private readonly label: string;
  private readonly dir: string;
  private path: string | undefined;
  private out: WriteStream | undefined;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /** Filled chunks not yet written (memory mode keeps them all, up to SPILL_BYTES). */
  private full: Buffer[] = [];
  private fullBytes = 0;
  private failure: Error | undefined;

  constructor(label: string, dir = tmpdir()) {
    this.label = label;
    this.dir = dir;
  }

  /**
   * Adds one row (its JSON text). Returns a promise only when it has to write
   * (await it then); most rows go into the current chunk synchronously.
   */
  add(row: string): Promise<void> | undefined {
    // At most 3 bytes per UTF-16 unit, plus the newline.
    if (this.used + 3 * row.length + 1 > this.chunk.length) return this.seal().then(() => this.put(row));
    this.put(row);
    return undefined;
  }

  private put(row: string): void {
    if (this.used + 3 * row.length + 1 > this.chunk.length) this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, 3 * row.length + 1));
    this.used += this.chunk.write(row, this.used, 'utf8');
    this.chunk[this.used++] = 10;
  }

  /** The rows: in memory if they stayed small, else the closed file. */
  async close(): Promise<StagedRows> {
    if (!this.out && this.fullBytes + this.used <= SPILL_BYTES) {
      return { rows: Buffer.concat([...this.full, this.chunk.subarray(0, this.used)]) };
    }
    await this.seal();
    await this.write();
    this.out!.end();
    await once(this.out!, 'finish');
    if (this.failure) throw this.failure;
    return { rowsFile: this.path! };
  }

  /** Closes and removes the file, if any (on failure). */
  async discard(): Promise<void> {
    this.out?.destroy();
    if (this.path) await rm(this.path, { force: true });
  }

  /** Moves the current chunk to the filled list (writing it out once past the spill size). */
  private async seal(): Promise<void> {
    if (this.used === 0) return;
    this.full.push(this.chunk.subarray(0, this.used));
    this.fullBytes += this.used;
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    if (this.out || this.fullBytes > SPILL_BYTES) await this.write();
  }

  private async write(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.out) {
      this.path = join(this.dir, `altus-${this.label}-${randomBytes(4).toString('hex')}.ndjson`);
      this.out = createWriteStream(this.path);
      this.out.on('error', (error) => (this.failure = error));
    }
    const chunks = this.full;
    this.full = [];
    this.fullBytes = 0;
    for (const chunk of chunks) if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}
