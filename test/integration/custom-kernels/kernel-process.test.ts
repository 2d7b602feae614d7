/**
 * The custom-kernel protocol against real child processes: ordered answers,
 * declined parameter sets, every kind of bad output, crashes, count mismatches,
 * a command that cannot start, stderr, and backpressure on a large shard.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXIT_BAD_ENVIRONMENT, EXIT_BAD_INPUT, EXIT_RETRYABLE } from '../../../jobs/worker/exit-codes.ts';
import {
  KernelExitError,
  KernelProtocolError,
  KernelStartError,
  MAX_STDERR_LINES,
  runKernelProcess,
  type KernelOutput,
  type KernelProcessRequest,
} from '../../../jobs/worker/kernel-process.ts';
import { exitCodeOf } from '../../../jobs/worker/worker.ts';

/** A node one-liner as the command: `body` sees `lines` (an async iterator of input lines) and `out(text)`. */
const nodeKernel = (body: string) => [
  process.execPath,
  '-e',
  `const rl = require('readline').createInterface({ input: process.stdin }); const out = (t) => process.stdout.write(t + '\\n');
   (async () => { let n = 0; for await (const line of rl) { n++; ${body} } })();`,
];

async function* params(count: number): AsyncGenerator<Record<string, unknown>> {
  for (let i = 0; i < count; i++) yield { x: i };
}

async function run(command: string[], count: number, extra: Partial<KernelProcessRequest> = {}) {
  const outputs: KernelOutput[] = [];
  const stderr: string[] = [];
  const result = await runKernelProcess({
    command,
    env: { PATH: process.env.PATH ?? '' },
    outputs: ['y'],
    inputs: params(count),
    onOutput: (output) => void outputs.push(output),
    onStderr: (line) => stderr.push(line),
    ...extra,
  });
  return { outputs, stderr, result };
}

test('answers come back in order, paired one to one; {"error": ...} declines a set alone', async () => {
  const { outputs, result } = await run(nodeKernel(`const p = JSON.parse(line); out(p.x === 2 ? '{"error":"x is 2"}' : JSON.stringify({ y: p.x * 10 }));`), 5);
  assert.deepEqual(outputs, [{ values: { y: 0 } }, { values: { y: 10 } }, { error: 'x is 2' }, { values: { y: 30 } }, { values: { y: 40 } }]);
  assert.equal(result.parameters, 5);
});

const badOutputs: Array<[string, string, RegExp]> = [
  ['not JSON', `out(n === 2 ? 'oops' : '{"y":1}')`, /output line 2 is not valid JSON.*: oops/],
  [
    'NaN from a Python-style encoder',
    `out(n === 1 ? '{"y": NaN}' : '{"y":1}')`,
    /output line 1 is not valid JSON.*JSON has no NaN or Infinity: write \{"error": "<reason>"\}/,
  ],
  ['an array', `out('[1]')`, /output line 1 is not a JSON object/],
  ['a missing output', `out('{"z":1}')`, /output line 1: unexpected output\(s\) "z"; kernel.outputs declares y/],
  ['a string value', `out('{"y":"1.5"}')`, /output line 1: "y" must be a finite number, got "1\.5"/],
  ['an overflowing number', `out('{"y":1e999}')`, /output line 1: "y" is not finite \(overflows a double\)/],
  ['null', `out('{"y":null}')`, /"y" must be a finite number, got null/],
  ['a malformed decline', `out('{"error":"no","y":1}')`, /a declined parameter set is exactly \{"error": "<reason>"\}/],
];
for (const [name, body, says] of badOutputs) {
  test(`bad output is a protocol error, not retried: ${name}`, async () => {
    const error = await run(nodeKernel(body), 3).then(
      () => assert.fail('expected a protocol error'),
      (e: Error) => e,
    );
    assert.ok(error instanceof KernelProtocolError, String(error));
    assert.match(error.message, says);
    assert.equal(exitCodeOf(error), EXIT_BAD_INPUT);
  });
}

test('fewer answers than inputs with exit 0 is a count mismatch', async () => {
  const error = await run(nodeKernel(`if (n <= 2) out('{"y":1}')`), 4).catch((e: Error) => e);
  assert.ok(error instanceof KernelProtocolError);
  assert.match(error.message, /exited 0 after answering 2 of 4 parameter sets: it must write one output line per input line/);
});

test('more answers than inputs is a protocol error', async () => {
  const error = await run(nodeKernel(`out('{"y":1}'); out('{"y":2}')`), 3).catch((e: Error) => e);
  assert.ok(error instanceof KernelProtocolError);
  assert.match(error.message, /output line 4 is one more than the 3 parameter sets sent/);
});

test('a crash is a KernelExitError: retried, unless the command itself exits 42 (bad input) or 43 (bad environment)', async () => {
  for (const [code, expected] of [
    [3, EXIT_RETRYABLE],
    [EXIT_BAD_INPUT, EXIT_BAD_INPUT],
    [EXIT_BAD_ENVIRONMENT, EXIT_BAD_ENVIRONMENT],
  ] as const) {
    const error = await run(nodeKernel(`out('{"y":1}'); if (n === 2) process.exit(${code});`), 5).catch((e: Error) => e);
    assert.ok(error instanceof KernelExitError, String(error));
    assert.equal(error.exitCode, code);
    assert.match(error.message, new RegExp(`exited with code ${code} after answering \\d of \\d parameter sets`));
    assert.equal(exitCodeOf(error), expected);
  }
  const killed = await run(nodeKernel(`process.kill(process.pid, 'SIGKILL')`), 2).catch((e: Error) => e);
  assert.ok(killed instanceof KernelExitError);
  assert.match(killed.message, /killed by SIGKILL/);
  assert.equal(exitCodeOf(killed), EXIT_RETRYABLE);
});

test('a command that cannot start is a broken image (43), not retried', async () => {
  const error = await run(['no-such-kernel-binary'], 1).catch((e: Error) => e);
  assert.ok(error instanceof KernelStartError);
  assert.match(error.message, /cannot start "no-such-kernel-binary".*ENOENT/);
  assert.equal(exitCodeOf(error), EXIT_BAD_ENVIRONMENT);
});

test('stderr reaches the pod log line by line, capped per shard', async () => {
  const { stderr } = await run(nodeKernel(`process.stderr.write('warn ' + n + '\\n'); out('{"y":1}')`), 3);
  assert.deepEqual(stderr, ['warn 1', 'warn 2', 'warn 3']);
  const chatty = await run(nodeKernel(`for (let i = 0; i < 600; i++) process.stderr.write('chatter\\n'); out('{"y":1}')`), 3);
  assert.equal(chatty.stderr.length, MAX_STDERR_LINES + 1);
  assert.equal(chatty.stderr.at(-1), `(${3 * 600 - MAX_STDERR_LINES} more stderr lines not logged)`);
});

test('backpressure: a stalled consumer holds the command back, so the writer never runs ahead of the pipes; a 200,000-set shard completes', async () => {
  const count = 200_000;
  let pulled = 0;
  let aheadWhileStalled = 0;
  async function* counted(): AsyncGenerator<Record<string, unknown>> {
    for (let i = 0; i < count; i++) {
      pulled++;
      yield { x: i, pad: 'p'.repeat(40) };
    }
  }
  let answered = 0;
  const started = performance.now();
  // Python blocks on a full stdout pipe and reads stdin in 8 KiB blocks, like most kernels people write.
  const echo = ['python3', '-c', 'import sys\nfor n, line in enumerate(sys.stdin, 1): sys.stdout.write(\'{"y": %d}\\n\' % n)'];
  const { result } = await run(echo, count, {
    inputs: counted(),
    onOutput: async (output) => {
      answered++;
      assert.deepEqual(output, { values: { y: answered } });
      if (answered === 1) {
        await new Promise((r) => setTimeout(r, 1500));
        aheadWhileStalled = pulled - answered;
      }
    },
  });
  assert.equal(result.parameters, count);
  assert.equal(answered, count);
  // Only what fits in the stdio socket buffers (a few MiB at most on Linux) and the command's own buffers is in flight, never the shard.
  assert.ok(aheadWhileStalled < 60_000, `${aheadWhileStalled} parameter sets were sent ahead of a stalled consumer`);
  process.stderr.write(
    `# 200,000 sets through a python kernel in ${((performance.now() - started) / 1000).toFixed(1)} s; ${aheadWhileStalled} in flight while stalled\n`,
  );
});
