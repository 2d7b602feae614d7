/**
 * Nothing a custom kernel starts outlives its shard: a kernel that leaves a
 * background process holding its stdout still ends its shard when it exits; in
 * a PID namespace a child that calls setsid dies with the shard, when the
 * worker stops it (deadline, cancel, SIGTERM), and when the worker's process
 * group is SIGKILLed (what the node agent does to delete a pod); the kernel
 * gets the pod's environment without the worker's local plumbing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelEnvironment } from '../../../jobs/worker/custom-shard.ts';
import { runKernelProcess, type KernelProcessRequest } from '../../../jobs/worker/kernel-process.ts';
import { kernelContainment, type KernelContainment } from '../../../jobs/worker/kernel-tree.ts';
import { waitFor, WaitTimeoutError } from '../../support/wait-for.ts';

const namespace = kernelContainment();
const group: KernelContainment = { kind: 'process-group', reason: 'forced by the test', pdeathsig: true };
const inNamespace = {
  skip: namespace.kind === 'pid-namespace' ? false : `no PID namespace here: ${namespace.kind === 'process-group' ? namespace.reason : ''}`,
};

/** A unique `sleep` duration: the leftover process is found by it in /proc. */
const marker = () => `3000.${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;

/** Host pids of the live `sleep <mark>` processes (not the commands that mention the mark). */
function processesWith(mark: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmdline === `sleep\0${mark}\0` && state !== 'Z') found.push(Number(entry));
    } catch {
      // gone while listing
    }
  }
  return found;
}

async function gone(text: string, withinMilliseconds = 3000): Promise<boolean> {
  return waitFor(() => processesWith(text).length === 0, { timeoutMs: withinMilliseconds, what: `no process with ${text}` }).catch((error: unknown) => {
    if (error instanceof WaitTimeoutError) return false;
    throw error;
  });
}

const cleanup = (text: string) => {
  for (const pid of processesWith(text)) process.kill(pid, 'SIGKILL');
};

/**
 * A node kernel that first starts `sleep <mark>` inheriting its stdout and stderr
 * (in a new session when `setsid`), then answers every line with {"y": 1} (or
 * never answers with `hang`) and exits 0.
 */
function leavingKernel(mark: string, options: { setsid: boolean; hang?: boolean }): string[] {
  const start = `require('child_process').spawn('sleep', ['${mark}'], { stdio: ['ignore', 'inherit', 'inherit'], detached: ${options.setsid} }).unref();`;
  const answer = options.hang
    ? 'setInterval(() => {}, 1000);'
    : `require('readline').createInterface({ input: process.stdin }).on('line', () => process.stdout.write('{"y":1}\\n'));`;
  return [process.execPath, '-e', start + answer];
}

async function* params(count: number): AsyncGenerator<Record<string, unknown>> {
  for (let i = 0; i < count; i++) yield { x: i };
}

function request(command: string[], extra: Partial<KernelProcessRequest> = {}): KernelProcessRequest {
  return { command, env: { PATH: process.env.PATH ?? '' }, outputs: ['y'], inputs: params(3), onOutput: () => {}, onStderr: () => {}, ...extra };
}

/** Fails the test instead of hanging it when the shard does not end. */
function within<T>(promise: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still running after ${milliseconds} ms`)), milliseconds))),
  ]).finally(() => clearTimeout(timer));
}

for (const [name, containment] of [
  ['in a PID namespace', namespace],
  ['in a process group (the fallback)', group],
] as const) {
  test(`${name}: a kernel that leaves a process holding its stdout ends its shard when it exits, and the process is ended`, {
    skip: containment.kind === 'pid-namespace' ? inNamespace.skip : false,
  }, async (t) => {
    const mark = marker();
    t.after(() => cleanup(mark));
    const result = await within(runKernelProcess(request(leavingKernel(mark, { setsid: false }), { containment })), 10_000, 'the shard');
    assert.equal(result.parameters, 3);
    assert.ok(await gone(mark), 'the background process outlived its shard');
  });
}

test('in a process group (the fallback): even a child in a new session holding stdout cannot keep the shard open', async (t) => {
  const mark = marker();
  t.after(() => cleanup(mark));
  const warnings: string[] = [];
  const result = await within(
    runKernelProcess(request(leavingKernel(mark, { setsid: true }), { containment: group, onWarning: (w) => warnings.push(w) })),
    10_000,
    'the shard',
  );
  assert.equal(result.parameters, 3);
  assert.match(warnings.join('\n'), /without a PID namespace \(forced by the test\): a process it starts in a new session can outlive the shard/);
});

test('in a PID namespace: a child that calls setsid dies with its shard', inNamespace, async (t) => {
  const mark = marker();
  t.after(() => cleanup(mark));
  await within(runKernelProcess(request(leavingKernel(mark, { setsid: true }))), 10_000, 'the shard');
  assert.ok(await gone(mark), 'the setsid child outlived its shard');
});

test('in a PID namespace: stopping the shard (deadline, cancel, SIGTERM) ends the kernel and its setsid child', inNamespace, async (t) => {
  const mark = marker();
  t.after(() => cleanup(mark));
  const stop = new AbortController();
  const running = runKernelProcess(request(leavingKernel(mark, { setsid: true, hang: true }), { signal: stop.signal }));
  await waitFor(() => processesWith(mark).length > 0, { timeoutMs: 5000, intervalMs: 20, what: "the kernel's child to start" });
  stop.abort(new Error('the run passed its deadline'));
  const error = await within(
    running.then(
      () => assert.fail('a stopped shard must not succeed'),
      (e: Error) => e,
    ),
    5000,
    'the stopped shard',
  );
  assert.match(error.message, /the run passed its deadline/);
  assert.ok(await gone(mark), 'the setsid child outlived the stopped shard');
});

const KERNEL_PROCESS = fileURLToPath(new URL('../../../jobs/worker/kernel-process.ts', import.meta.url));

for (const [name, killGroup, signal] of [
  ["the worker's process group is SIGKILLed (a pod deleted by the node agent)", true, 'SIGKILL'],
  ["the worker's process group is sent SIGTERM (a pod's graceful deletion) and the kernel ignores it", true, 'SIGTERM'],
  ['the worker process alone is SIGKILLed', false, 'SIGKILL'],
] as const) {
  test(`in a PID namespace: when ${name}, the kernel's setsid child dies too`, inNamespace, async (t) => {
    const mark = marker();
    t.after(() => cleanup(mark));
    // A stand-in worker in a process group of its own, running a kernel that never answers.
    const kernel = leavingKernel(mark, { setsid: true, hang: true });
    kernel[2] = `process.on('SIGTERM', () => {});` + kernel[2];
    const script = `import { runKernelProcess } from ${JSON.stringify(KERNEL_PROCESS)};
      async function* inputs() { yield { x: 1 }; }
      await runKernelProcess({ command: ${JSON.stringify(kernel)}, env: { PATH: process.env.PATH ?? '' }, outputs: ['y'], inputs: inputs(), onOutput() {}, onStderr() {} });`;
    const worker = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { detached: true, stdio: 'ignore' });
    t.after(() => {
      try {
        process.kill(-worker.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    await waitFor(() => processesWith(mark).length > 0, { timeoutMs: 15_000, what: "the kernel's child to start" });
    if (killGroup) process.kill(-worker.pid!, signal);
    else worker.kill(signal);
    assert.ok(await gone(mark), 'the setsid child outlived the worker');
  });
}

test('in a PID namespace: the kernel sees only its own processes, not the worker (nor its environment in /proc)', inNamespace, async () => {
  const seen: string[] = [];
  const list = [
    process.execPath,
    '-e',
    `const n = require('fs').readdirSync('/proc').filter((e) => /^\\d+$/.test(e)).length; require('readline').createInterface({ input: process.stdin }).on('line', () => process.stdout.write(JSON.stringify({ y: n }) + '\\n'));`,
  ];
  await runKernelProcess(request(list, { inputs: params(1), onOutput: (o) => void seen.push(JSON.stringify(o)) }));
  const visible = (JSON.parse(seen[0]!) as { values: { y: number } }).values.y;
  assert.ok(visible <= 3, `the kernel sees ${visible} processes in /proc`);
});

test("a custom kernel gets the pod's environment only, not the local stack's plumbing", () => {
  const pod = {
    PATH: '/usr/bin',
    ALTUS_RUN_ID: 'r',
    ALTUS_PLAN_URI: 'gs://results/r/plan.json',
    ALTUS_STORAGE: 'local',
    ALTUS_LOCAL_STORAGE_DIR: '/work/.altus/buckets',
    PUBSUB_EMULATOR_HOST: '127.0.0.1:8085',
    FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080',
    ALTUS_LOG_FILE: '/work/.altus/logs/pods/r/0-0.log',
    ALTUS_KERNEL_WORKDIR: '/work/jobs/examples/bachelier',
    ALTUS_METER_DIR: '/tmp/meter',
  };
  assert.deepEqual(kernelEnvironment(pod), { PATH: '/usr/bin', ALTUS_RUN_ID: 'r', ALTUS_PLAN_URI: 'gs://results/r/plan.json' });
});
