/**
 * Test access to the local stack started by `npm test` (scripts/test-with-stack.ts):
 * clients pointed at its emulators, submission helpers, and polling.
 */
import type { PubSub } from '@google-cloud/pubsub';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFirestore, createPubSub } from '../../shared/clients.ts';
import { TERMINAL_STATUSES, type RunDocument } from '../../shared/documents.ts';
import { FirestoreRunStore } from '../../shared/run-store.ts';
import { openResults } from '../../scripts/cli/results-source.ts';
import { requireStack } from '../../scripts/cli/stack-control.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { submitLocal } from '../../scripts/cli/submit.ts';
import type { StackInfo } from '../../scripts/stack/state.ts';
import { waitFor, WaitTimeoutError } from './wait-for.ts';

/** The stack of this test run; throws with a hint when the tests run without one. */
export function testStack(): StackInfo {
  const home = process.env.ALTUS_TEST_HOME;
  if (!home) throw new Error('ALTUS_TEST_HOME is not set: run the stack-backed tests with `npm test`, `npm run test:integration` or `npm run test:e2e`');
  return requireStack(home);
}

/** Clients against the test stack. */
export function stackClients(stack: StackInfo): { runs: FirestoreRunStore; pubsub: PubSub } {
  const endpoints = { projectId: stack.projectId, firestoreEmulatorHost: stack.firestoreEmulatorHost, pubsubEmulatorHost: stack.pubsubEmulatorHost };
  return { runs: new FirestoreRunStore(createFirestore(endpoints)), pubsub: createPubSub(endpoints) };
}

/** Waits until the run exists and is terminal. */
export async function waitForRun(runs: FirestoreRunStore, runId: string, timeoutMilliseconds = 120_000): Promise<RunDocument> {
  let last: RunDocument | null = null;
  try {
    return await waitFor(
      async () => {
        last = await runs.getRun(runId);
        return last && TERMINAL_STATUSES.includes(last.status) ? last : undefined;
      },
      { timeoutMs: timeoutMilliseconds, intervalMs: 250, what: `run ${runId} to finish` },
    );
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    const status = (last as RunDocument | null)?.status ?? 'none';
    throw new Error(`run ${runId} did not finish in ${timeoutMilliseconds} ms (last status ${status})\n${stackDiagnostics(runId)}`, { cause: error });
  }
}

/**
 * What the stack's logs say, for a failure message: the supervisor's restarts,
 * the function log lines that name `needle` (a run id), and each function's
 * errors — so a CI failure shows its cause, not just its timeout.
 */
export function stackDiagnostics(needle?: string): string {
  const home = process.env.ALTUS_TEST_HOME;
  const logDir = home ? join(home, 'logs') : undefined;
  if (!logDir || !existsSync(logDir)) return '(no stack logs)';
  const out: string[] = [];
  for (const file of readdirSync(logDir)
    .filter((f) => f.endsWith('.log') && !f.endsWith('-emulator.log'))
    .sort()) {
    const lines = readFileSync(join(logDir, file), 'utf8').split('\n').filter(Boolean);
    const picked = lines.filter((l) => (needle !== undefined && l.includes(needle)) || /"severity":"(ERROR|CRITICAL)"|exited|Error:/.test(l));
    if (picked.length) out.push(`--- ${file} (${lines.length} lines)`, ...picked.slice(-8).map((l) => l.slice(0, 400)));
  }
  return out.length ? out.join('\n') : '(nothing in the stack logs)';
}

/** Writes a manifest (object or raw text) and optional side files to a fresh folder; returns the manifest path. */
export function writeManifest(name: string, manifest: unknown, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'altus-manifest-'));
  const path = join(dir, name);
  writeFileSync(path, typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return path;
}

/** Uploads a manifest through the stack and waits for its run to end. */
export async function runManifest(stack: StackInfo, path: string, timeoutMilliseconds?: number): Promise<RunDocument> {
  const { runId } = await submitLocal(stack, path);
  return waitForRun(stackClients(stack).runs, runId, timeoutMilliseconds);
}

/** The rows of a finished run in index order, in the NDJSON row shape, whatever its results format. */
export async function resultRows(stack: StackInfo, run: RunDocument): Promise<Record<string, unknown>[]> {
  const source = await openResults(new LocalObjectStore(stack.storageDir), run);
  try {
    const rows: Record<string, unknown>[] = [];
    for await (const row of source.rows()) rows.push(row);
    return rows;
  } finally {
    await source.close();
  }
}

/** The NDJSON results file of a finished run, as text (manifests from {@link baseManifest} ask for NDJSON). */
export function resultsText(run: RunDocument): string {
  if (!run.results?.path) throw new Error(`run ${run.runId} has no local results file`);
  return readFileSync(run.results.path, 'utf8');
}

/** Jobs the local fleet holds for a run, across clusters. */
export async function fleetJobsFor(stack: StackInfo, runId: string): Promise<string[]> {
  const res = await fetch(`${stack.localFleetUrl}/_altus/clusters`);
  const clusters = (await res.json()) as Array<{ jobs: Array<{ name: string; runId?: string }> }>;
  return clusters.flatMap((c) => c.jobs.filter((j) => j.runId === runId).map((j) => j.name));
}

/** A valid manifest to start from. */
export function baseManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 'test-run',
    kernel: { name: 'black-scholes' },
    parameters: { inline: [{ type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 }] },
    // These tests compare results as text; parquet-results.test.ts and custom-kernel.test.ts read Parquet runs.
    results: { format: 'ndjson' },
    ...overrides,
  };
}

/** A message on the dead-letter records subscription: parked by a function (JSON with a reason) or by a dead-letter policy. */
export type Parked = { reason?: string; detail?: unknown; source?: string; attributes?: Record<string, string>; raw?: string };

/** Pulls from a subscription until a message matches (acking what it reads). */
export async function pullUntil(
  subscription: ReturnType<ReturnType<typeof stackClients>['pubsub']['subscription']>,
  match: (m: Parked) => boolean,
  timeoutMilliseconds = 30_000,
): Promise<Parked> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.removeAllListeners('message');
      void subscription.close();
      reject(new Error(`no matching parked message in ${timeoutMilliseconds} ms\n${stackDiagnostics()}`));
    }, timeoutMilliseconds);
    subscription.on('message', (message) => {
      message.ack();
      let body: Parked;
      try {
        body = { ...(JSON.parse(message.data.toString('utf8')) as Parked), attributes: message.attributes, raw: message.data.toString('utf8') };
      } catch {
        body = { attributes: message.attributes, raw: message.data.toString('utf8') };
      }
      if (match(body)) {
        clearTimeout(timer);
        subscription.removeAllListeners('message');
        void subscription.close();
        resolve(body);
      }
    });
  });
}

/** A fresh subscription on the dead-letter topic: sees only what is parked from now on, and no other test's messages. */
export async function deadLetterTap(stack: StackInfo) {
  const { pubsub } = stackClients(stack);
  const [subscription] = await pubsub.topic(stack.topics.deadLetter).createSubscription(`tap-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  return subscription;
}
