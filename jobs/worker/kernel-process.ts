/**
 * The custom-kernel protocol: runs the user's command once per shard, writes one
 * parameter set per line of NDJSON to its stdin and reads one output object per
 * line from its stdout, in order. Both pipes stream with backpressure (a slow
 * command stalls the writer, a slow consumer stalls the command), so memory
 * stays bounded however large the shard. stderr is passed on line by line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { outputNameProblem } from '../../shared/custom-kernel.ts';
import { LineTooLongError, readLines } from '../parameters/lines.ts';
import { parameterSetProblem } from '../planning/decode.ts';
import { drainAfterExit, trackTree, untrackTree } from './kernel-exit.ts';
import { endKernelTree, kernelContainment, kernelLaunch, kernelStatus, resolveProgram, type KernelContainment } from './kernel-tree.ts';

/** Longest output line accepted; an output object is a handful of numbers. */
export const MAX_OUTPUT_LINE_BYTES = 64 * 1024;
/** Parameter sets are written to stdin in batches of about this many bytes. */
const WRITE_BATCH_BYTES = 16 * 1024;
/** stderr lines longer than this are cut (the pod log is for people). */
export const MAX_STDERR_LINE_BYTES = 8 * 1024;
/** stderr lines passed on per shard; the rest are counted, not logged (a chatty loop must not flood Cloud Logging). */
export const MAX_STDERR_LINES = 1000;

/**
 * One validated output line: its fields (the declared outputs, in declared order;
 * without declared outputs, every field in the order written), or a parameter
 * set the command declined (`{"error": "..."}`).
 */
export type KernelOutput = { values: Record<string, unknown> } | { error: string };

/** What running the command over one shard needs. */
export interface KernelProcessRequest {
  /** Program and arguments; no shell. */
  command: readonly string[];
  /** Working directory; the worker's own when absent (in a pod, the image's WORKDIR). */
  cwd?: string;
  env: Record<string, string>;
  /** Output names every line must carry, as finite numbers. */
  outputs: readonly string[];
  /**
   * False (the default) when `kernel.outputs` declares the outputs: a line holds
   * exactly those. True without `kernel.outputs`: a line may hold other named
   * fields too (any JSON value; a number must be finite).
   */
  otherFields?: boolean;
  /** The parameter sets to send, in order; iterated once, lazily. */
  inputs: AsyncIterable<Record<string, unknown>>;
  /** Receives each output in order (1-based line); awaited, so a slow consumer holds the command back. */
  onOutput(output: KernelOutput, line: number): Promise<void> | void;
  /** Receives each stderr line (cut to {@link MAX_STDERR_LINE_BYTES}). */
  onStderr(line: string): void;
  /** Receives a warning about how the kernel runs (no PID namespace here). */
  onWarning?(message: string): void;
  /** Aborting ends the kernel and everything it started (deadline, cancel, SIGTERM); the reason is thrown. */
  signal?: AbortSignal;
  /** How the kernel is contained; probed once per process by default (kernel-tree.ts). */
  containment?: KernelContainment;
}

/** The command broke the protocol (bad line, wrong count): deterministic, retrying cannot help. */
export class KernelProtocolError extends Error {
  override readonly name = 'KernelProtocolError';
}

/** The command could not be started (not found, not executable): the image is wrong. */
export class KernelStartError extends Error {
  override readonly name = 'KernelStartError';
}

/** The command ended with a non-zero exit code or a signal. */
export class KernelExitError extends Error {
  override readonly name = 'KernelExitError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
  }
}

/** Runs the command over the inputs; resolves with the counts when every input got its output and the command exited 0. */
export async function runKernelProcess(request: KernelProcessRequest): Promise<{ parameters: number; stderrLines: number }> {
  const [program, ...args] = request.command as [string, ...string[]];
  const where = request.cwd ? ` in ${request.cwd}` : '';
  let resolved: string;
  try {
    resolved = resolveProgram(program, request.env.PATH, request.cwd ?? process.cwd());
  } catch (error) {
    throw new KernelStartError(`cannot start ${JSON.stringify(program)}${where}: ${(error as Error).message}`, { cause: error });
  }
  const launch = kernelLaunch(resolved, args, request.containment ?? kernelContainment());
  if (launch.containment.kind === 'process-group')
    request.onWarning?.(`the kernel runs without a PID namespace (${launch.containment.reason}): a process it starts in a new session can outlive the shard`);
  const child = spawn(launch.program, launch.args, { cwd: request.cwd, env: request.env, stdio: ['pipe', 'pipe', 'pipe'], detached: launch.detached });
  try {
    await once(child, 'spawn');
  } catch (error) {
    throw new KernelStartError(`cannot start ${JSON.stringify(program)}${where}: ${(error as Error).message}`, { cause: error });
  }
  const endTree = () => endKernelTree(child, launch);
  trackTree(endTree);
  const output = drainAfterExit(child, endTree);
  const exited = once(child, 'exit').then(([code, signal]) => kernelStatus(code as number | null, signal as NodeJS.Signals | null, launch));
  const stopWriting = new AbortController();
  void exited.then(() => stopWriting.abort());
  // EPIPE when the command exits without reading everything: the exit status or the count check reports it.
  child.stdin.on('error', () => stopWriting.abort());
  let sent = 0;
  let received = 0;
  let stderrLines = 0;
  let writerDone = false;
  let failure: Error | undefined;
  function fail(error: Error) {
    failure ??= error;
    endTree();
  }
  const onAbort = () => fail(request.signal?.reason instanceof Error ? request.signal.reason : new KernelExitError('the shard was stopped', null, 'SIGKILL'));
  request.signal?.addEventListener('abort', onAbort, { once: true });
  if (request.signal?.aborted) onAbort();

  const writer = (async () => {
    // Lines go out in batches of about WRITE_BATCH_BYTES: one pipe write per line would cost a system call each.
    let batch = '';
    const flush = async () => {
      const full = !child.stdin.write(batch);
      batch = '';
      if (full) await once(child.stdin, 'drain', { signal: stopWriting.signal }).catch(() => undefined);
    };
    for await (const params of request.inputs) {
      if (stopWriting.signal.aborted) return;
      sent++;
      batch += JSON.stringify(params) + '\n';
      if (batch.length >= WRITE_BATCH_BYTES) await flush();
    }
    if (batch && !stopWriting.signal.aborted) await flush();
    writerDone = true;
    child.stdin.end();
  })().catch((error: Error) => fail(error));

  const reader = (async () => {
    for await (const line of output.lines(readLines(child.stdout, 0, MAX_OUTPUT_LINE_BYTES))) {
      const text = line.bytes.toString('utf8');
      if (text.trim() === '') continue;
      received++;
      if (received > sent) {
        throw new KernelProtocolError(
          writerDone
            ? `output line ${received} is one more than the ${sent} parameter sets sent: one output line per input line`
            : `output line ${received} came before parameter set ${received} was sent: one output line per input line, in order`,
        );
      }
      await request.onOutput(parseOutputLine(text, received, request.outputs, request.otherFields ?? false), received);
    }
  })().catch((error: Error) =>
    output.wasCut()
      ? undefined
      : fail(error instanceof LineTooLongError ? new KernelProtocolError(`output line ${received + 1} is longer than ${MAX_OUTPUT_LINE_BYTES} bytes`) : error),
  );

  const stderr = passStderr(child, (text) => {
    stderrLines++;
    if (stderrLines <= MAX_STDERR_LINES) request.onStderr(text);
  }).catch((error: Error) => (output.wasCut() ? undefined : fail(error)));

  let status: { code: number | null; signal: NodeJS.Signals | null };
  try {
    [status] = await Promise.all([exited, writer, reader, stderr]);
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
    output.stop();
    endTree();
    untrackTree(endTree);
  }
  const { code, signal } = status;
  if (stderrLines > MAX_STDERR_LINES) request.onStderr(`(${stderrLines - MAX_STDERR_LINES} more stderr lines not logged)`);
  if (failure) throw failure;
  const command = request.command.join(' ');
  if (signal)
    throw new KernelExitError(`the kernel command (${command}) was killed by ${signal} after answering ${received} of ${sent} parameter sets`, null, signal);
  if (code !== 0)
    throw new KernelExitError(`the kernel command (${command}) exited with code ${code} after answering ${received} of ${sent} parameter sets`, code, null);
  if (received !== sent) {
    throw new KernelProtocolError(
      `the kernel command (${command}) exited 0 after answering ${received} of ${sent} parameter sets: it must write one output line per input line`,
    );
  }
  return { parameters: sent, stderrLines };
}

/**
 * Validates one output line: a JSON object holding `outputs` as finite numbers
 * (exactly those unless `otherFields`; with it, any other fields whose names
 * could name an output), or `{"error": "<reason>"}` for a parameter set the
 * command declines.
 */
export function parseOutputLine(text: string, line: number, outputs: readonly string[], otherFields = false): KernelOutput {
  const where = `output line ${line}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const hint = /\b(NaN|-?Infinity)\b/.test(text) ? ' (JSON has no NaN or Infinity: write {"error": "<reason>"} for a parameter set you cannot compute)' : '';
    throw new KernelProtocolError(`${where} is not valid JSON: ${(error as Error).message}${hint}: ${preview(text)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new KernelProtocolError(`${where} is not a JSON object: ${preview(text)}`);
  const object = value as Record<string, unknown>;
  if ('error' in object) {
    if (typeof object.error !== 'string' || Object.keys(object).length !== 1) {
      throw new KernelProtocolError(`${where}: a declined parameter set is exactly {"error": "<reason>"}: ${preview(text)}`);
    }
    return { error: object.error.slice(0, 1000) };
  }
  if (!otherFields) {
    const unexpected = Object.keys(object).filter((key) => !outputs.includes(key));
    if (unexpected.length)
      throw new KernelProtocolError(
        `${where}: unexpected output(s) ${unexpected.map((k) => `"${k}"`).join(', ')}; kernel.outputs declares ${outputs.join(', ')}`,
      );
  }
  for (const name of outputs) {
    const number = object[name];
    if (number === undefined) throw new KernelProtocolError(`${where}: missing output "${name}": ${preview(text)}`);
    if (typeof number !== 'number' || !Number.isFinite(number)) {
      throw new KernelProtocolError(`${where}: "${name}" ${notFinite(number)}`);
    }
  }
  if (!otherFields) return { values: Object.fromEntries(outputs.map((name) => [name, object[name]])) };
  for (const [name, value] of Object.entries(object)) {
    const problem = outputNameProblem(name);
    if (problem) throw new KernelProtocolError(`${where}: the field ${JSON.stringify(name)} cannot be an output: ${problem}`);
    // JSON.parse reads 1e999 as Infinity, which a results row cannot hold (it would print null).
    if (typeof value === 'number' && !Number.isFinite(value)) throw new KernelProtocolError(`${where}: "${name}" ${notFinite(value)}`);
    const nested = typeof value === 'object' && value !== null ? parameterSetProblem(value) : undefined;
    if (nested) throw new KernelProtocolError(`${where}: ${name}.${nested}`);
  }
  return { values: object };
}

/** What a non-number or a non-finite number is: JSON.parse reads 1e999 as Infinity, which JSON.stringify would print as null. */
function notFinite(value: unknown): string {
  return typeof value === 'number' ? 'is not finite (overflows a double)' : `must be a finite number, got ${JSON.stringify(value)}`;
}

function preview(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Splits stderr into lines, cutting long ones instead of buffering them. */
async function passStderr(child: ChildProcessWithoutNullStreams, onLine: (line: string) => void): Promise<void> {
  let pending = '';
  let cut = false;
  child.stderr.setEncoding('utf8');
  for await (const chunk of child.stderr as AsyncIterable<string>) {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    for (const part of parts) {
      if (!cut) onLine(part.slice(0, MAX_STDERR_LINE_BYTES));
      cut = false;
    }
    if (pending.length > MAX_STDERR_LINE_BYTES) {
      if (!cut) onLine(pending.slice(0, MAX_STDERR_LINE_BYTES) + '…');
      pending = '';
      cut = true;
    }
  }
  if (pending && !cut) onLine(pending);
}
