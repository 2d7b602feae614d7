/**
 * Runs many test files in a few processes. Node's runner gives every file a
 * process of its own, and on a small machine starting them costs more than the
 * tests: about half a second of CPU for node and the TypeScript loader, and
 * seconds more for a file that imports the Kubernetes client or its models, all
 * paid again in every file. A tier whose files are pure (they leave no process-wide
 * state behind) can share a process: each bundle is one entry file that imports its
 * share of the files, so every library loads once per bundle. A failure's location
 * still names the file and line of the test.
 *
 * node 22's `--test-isolation=none` does this for one process; node 20 has no such flag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Entry files to hand to `node --test` in place of the files, and how to remove them. */
export interface TestBundles {
  readonly entries: string[];
  readonly remove: () => void;
}

/**
 * The files dealt round-robin (in the order given) into `count` shares, as
 * `import` statements of one entry module each. Fewer files than shares: one each.
 * A file in a bundle must not use top-level `await`: its tests would be registered late.
 */
export function bundleSources(files: readonly string[], count: number): string[] {
  const shares = Array.from({ length: Math.max(1, Math.min(count, files.length)) }, () => [] as string[]);
  files.forEach((file, index) => {
    shares[index % shares.length]!.push(file);
  });
  // Static imports: every file of the share is evaluated, and its tests registered, before the
  // runner starts them. Dynamic ones would let it start (and, with --test-force-exit, end the
  // process) after the first file's tests, before the next file was imported.
  return shares.map((share) => share.map((file) => `import ${JSON.stringify(pathToFileURL(resolve(file)).href)};\n`).join(''));
}

/**
 * Writes the entry files to a temporary folder, named `<label>-<k>-of-<n>.test.mts`
 * (`.mts`: ES modules wherever the folder is; as CommonJS their imports would be `require`s).
 */
export function writeBundles(files: readonly string[], count: number, label: string): TestBundles {
  const dir = mkdtempSync(join(tmpdir(), 'altus-test-bundles-'));
  const sources = bundleSources(files, count);
  const entries = sources.map((source, index) => {
    const entry = join(dir, `${label}-${index + 1}-of-${sources.length}.test.mts`);
    writeFileSync(entry, source);
    return entry;
  });
  return { entries, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
