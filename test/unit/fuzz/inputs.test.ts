/**
 * Property-based tests (fast-check) over what arrives from outside: manifest
 * bytes (decoder and validator), run requests, and CSV and NDJSON parameter
 * files, fed arbitrary bytes and structured mutations of valid inputs. Every
 * input ends as a value or as one documented error with a message; nothing
 * throws past the edge; the JSON scan's work is counted and stays linear in the
 * input. Shrunk failures found along the way are kept as regression cases.
 *
 * Bounded in `npm test` (ALTUS_FUZZ_RUNS, 150 by default: seconds); the longer
 * mode is `npm run fuzz` (ALTUS_FUZZ_RUNS=20000). A failure prints its seed and
 * path: `ALTUS_FUZZ_SEED=<seed>` replays it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CloudEvent } from '@google-cloud/functions-framework';
import fc from 'fast-check';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { ERROR_CODES, PermanentError } from '../../../shared/errors.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { scanJson } from '../../../shared/json-scan.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { LocalObjectStore } from '../../../shared/storage/local-store.ts';
import { UndecodableMessageError } from '../../../functions/pipeline/decode.ts';
import { decodeRunRequest } from '../../../functions/run-request/decode-request.ts';
import { decodeManifestBytes, MANIFEST_SCAN_LIMITS, parameterSetProblem } from '../../../jobs/planning/decode.ts';
import type { RunPlan } from '../../../shared/run-plan.ts';
import { validateManifest } from '../../../jobs/planning/validate.ts';
import { indexParameterFile, ParameterFileError } from '../../../jobs/parameters/file-index.ts';
import { shardInputs, ShardInputError } from '../../../jobs/worker/shard-input.ts';

const RUNS = Number(process.env.ALTUS_FUZZ_RUNS ?? 150);
const SEED = process.env.ALTUS_FUZZ_SEED === undefined ? undefined : Number(process.env.ALTUS_FUZZ_SEED);
const params = (runs = RUNS): fc.Parameters<unknown> => ({ numRuns: runs, ...(SEED === undefined ? {} : { seed: SEED }) });

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const examples = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readFileSync(join(EXAMPLES, f), 'utf8'));

/** A documented permanent error with something to read. */
function isDocumented(error: unknown): boolean {
  return error instanceof PermanentError && error.code in ERROR_CODES && error.message.length > 0;
}

/** Decodes and validates manifest bytes: a value, or a documented error; anything else fails the property. */
function manifestOutcome(bytes: Uint8Array): 'valid' | string {
  try {
    validateManifest(decodeManifestBytes(bytes), fleet);
    return 'valid';
  } catch (error) {
    assert.ok(isDocumented(error), `not a documented error: ${String(error)}`);
    return (error as PermanentError).code;
  }
}

/** Structured mutations of JSON text: what a careless editor or a hostile client does to a valid manifest. */
const textMutation = (text: string) =>
  fc.oneof(
    // a character deleted, inserted or replaced
    fc.nat(text.length).map((at) => text.slice(0, at) + text.slice(at + 1)),
    fc
      .tuple(fc.nat(text.length), fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', '\u001b', '-', '1e400', '\ud800'))
      .map(([at, c]) => text.slice(0, at) + c + text.slice(at)),
    // a member given twice
    fc.nat(text.length).map((at) => {
      const key = /"([A-Za-z]+)"\s*:/g;
      key.lastIndex = at;
      const found = key.exec(text) ?? /"([A-Za-z]+)"\s*:/.exec(text);
      return found ? text.slice(0, found.index) + `"${found[1]}": 0, ` + text.slice(found.index) : text;
    }),
    // a number that overflows, a value nested far too deep, a huge number of keys
    fc.constant(text.replace(/(\d+(\.\d+)?)/, '1e400')),
    fc.integer({ min: 1, max: 5000 }).map((depth) => text.replace(/\{/, `{"deep": ${'['.repeat(depth)}${']'.repeat(depth)}, `)),
    fc
      .integer({ min: LIMITS.objectKeys - 2, max: LIMITS.objectKeys + 2 })
      .map((keys) => text.replace(/\{/, `{"wide": {${Array.from({ length: keys }, (_, i) => `"k${i}": ${i}`).join(',')}}, `)),
    // a value replaced by an arbitrary JSON value
    fc.tuple(fc.nat(text.length), fc.jsonValue({ maxDepth: 3 })).map(([at, value]) => {
      const colon = text.indexOf(':', at);
      if (colon < 0) return text;
      const end = text.slice(colon + 1).search(/[,}\]]/);
      return end < 0 ? text : text.slice(0, colon + 1) + JSON.stringify(value) + text.slice(colon + 1 + end);
    }),
    // truncated
    fc.nat(text.length).map((at) => text.slice(0, at)),
  );

const mutatedExample = fc.constantFrom(...examples).chain(textMutation);

/**
 * Edges of the JSON grammar the scan must agree with JSON.parse on, written out
 * by hand (the random properties below reach them rarely); counterexamples the
 * properties find are added here too, shrunk.
 */
const REGRESSIONS: Array<{ name: string; text: string }> = [
  { name: 'backslash at end of input', text: '"\\' },
  { name: 'short unicode escape at end', text: '"\\u00' },
  { name: 'trailing dot', text: '[1.]' },
  { name: 'leading zero', text: '[01]' },
  { name: 'lone minus', text: '-' },
  { name: 'exponent without digits', text: '1e' },
  { name: 'vertical tab is not whitespace', text: '\u000b1' },
  { name: 'no-break space is not whitespace', text: '\u00a01' },
  { name: 'a lone surrogate inside a string is fine', text: '"\ud800"' },
];

test('fuzz: the JSON scan accepts exactly what JSON.parse accepts, and its work is linear in the input', () => {
  const agree = (text: string) => {
    const scan = scanJson(text, { maxDepth: Number.MAX_SAFE_INTEGER, maxKeys: Number.MAX_SAFE_INTEGER });
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    assert.equal(scan.problem?.kind !== 'syntax', parses, `scan and JSON.parse disagree on ${JSON.stringify(text.slice(0, 200))}: ${scan.problem?.message}`);
    assert.ok(scan.charsExamined <= 3 * text.length + 2, `${scan.charsExamined} characters examined for ${text.length}`);
  };
  for (const { text } of REGRESSIONS) agree(text);
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), agree), params());
  fc.assert(fc.property(fc.json({ maxDepth: 6 }), agree), params());
  fc.assert(fc.property(fc.json({ maxDepth: 4 }).chain(textMutation), agree), params());
  fc.assert(fc.property(mutatedExample, agree), params());
});

test('fuzz: linear work on the shapes that break naive parsers (deep nesting, long strings, many keys)', () => {
  const shapes: Array<(n: number) => string> = [
    (n) => '['.repeat(n) + ']'.repeat(n),
    (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n),
    (n) => `"${'\\"'.repeat(n)}"`,
    (n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`,
    (n) => `{${Array.from({ length: n }, () => '"same":1').join(',')}}`,
    (n) => '['.repeat(n),
  ];
  for (const shape of shapes) {
    const perChar = [1000, 100_000].map((n) => {
      const text = shape(n);
      return scanJson(text, MANIFEST_SCAN_LIMITS).charsExamined / text.length;
    });
    // The same work per character at 100 times the size: linear, not quadratic.
    assert.ok(perChar[1]! <= perChar[0]! * 1.05 + 0.01, `work per character grew from ${perChar[0]} to ${perChar[1]}`);
  }
});

/** Manifests the properties below once found ending in an undocumented exception (kept, and run every time). */
const MANIFEST_REGRESSIONS: Array<{ name: string; text: string; code: string }> = [
  {
    // Found by the mutation property (seed 1639202393): the scenario kernel's option schema values the book and
    // threw a DomainError past validateManifest, so the function would have retried the upload and parked it.
    name: 'a scenario book with a position at volatility 0',
    text: readFileSync(join(EXAMPLES, 'scenario-var.json'), 'utf8').replace('"maturity": 0.08, "volatility": 0.26', '"maturity": 0.08, "volatility":0'),
    code: 'KERNEL_OPTIONS_INVALID',
  },
];

test('fuzz: a parameter set is checked visiting each of its values once (never more values than characters)', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
      const visits = { nodes: 0 };
      parameterSetProblem(value, visits);
      const text = JSON.stringify(value) ?? '';
      assert.ok(visits.nodes <= text.length, `${visits.nodes} values visited in ${text.length} characters`);
    }),
    params(),
  );
  const deep = JSON.parse(`{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}`) as unknown;
  const visits = { nodes: 0 };
  parameterSetProblem(deep, visits);
  assert.ok(visits.nodes <= 40, `a line nested 30,000 deep is refused after ${visits.nodes} values, at the depth cap`);
});

test('fuzz: manifest bytes, arbitrary or mutated from the examples, end valid or as a documented error', () => {
  for (const text of examples) assert.equal(manifestOutcome(Buffer.from(text)), 'valid', 'the examples are valid');
  for (const { name, text, code } of MANIFEST_REGRESSIONS) assert.equal(manifestOutcome(Buffer.from(text)), code, name);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => void manifestOutcome(bytes)),
    params(),
  );
  fc.assert(
    fc.property(mutatedExample, (text) => void manifestOutcome(Buffer.from(text))),
    params(),
  );
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => void manifestOutcome(Buffer.from(JSON.stringify(value) ?? 'null'))),
    params(),
  );
});

const requestEvent = (bytes: Uint8Array) => ({ data: { message: { data: Buffer.from(bytes).toString('base64') } } }) as unknown as CloudEvent<unknown>;

/** A request decodes to a request, a run to reject with a documented error, or an undecodable message with a reason. */
function requestOutcome(bytes: Uint8Array): string {
  try {
    const decoded = decodeRunRequest(requestEvent(bytes));
    if ('rejected' in decoded) {
      assert.ok(isDocumented(decoded.rejected.reason));
      return decoded.rejected.reason.code;
    }
    return 'request';
  } catch (error) {
    assert.ok(error instanceof UndecodableMessageError && error.message.length > 0, `not an undecodable message: ${String(error)}`);
    return 'undecodable';
  }
}

test('fuzz: run requests, arbitrary or built around mutated manifests, end decoded, rejected with a documented error, or parked with a reason', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => void requestOutcome(bytes)),
    params(),
  );
  const requestId = fc.oneof(fc.constantFrom('req-1', 'a', 'x'.repeat(40)), fc.string({ maxLength: 45 }));
  fc.assert(
    fc.property(requestId, mutatedExample, fc.boolean(), (id, manifest, idFirst) => {
      const text = idFirst ? `{"requestId":${JSON.stringify(id)},"manifest":${manifest}}` : `{"manifest":${manifest},"requestId":${JSON.stringify(id)}}`;
      const outcome = requestOutcome(Buffer.from(text));
      // A manifest whose bytes an upload refuses is refused in a request too, with the same code (or parked when
      // the request names no usable run), unless the mutation merged it into the envelope as some other valid JSON.
      let uploadCode: string | undefined;
      try {
        decodeManifestBytes(Buffer.from(manifest));
      } catch (error) {
        uploadCode = (error as PermanentError).code;
      }
      if (uploadCode === undefined || scanJson(text, { maxDepth: Infinity, maxKeys: Infinity }).problem === undefined) return;
      assert.ok(outcome === uploadCode || outcome === 'undecodable', `an upload is refused ${uploadCode}, the same manifest in a request ends ${outcome}`);
    }),
    params(),
  );
});

const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-fuzz-')));
let fileNumber = 0;

/** Indexes and reads a parameter file: a ParameterFileError, or one input per indexed record, in index order, each a set or an error. */
async function fileOutcome(bytes: Uint8Array, format: 'ndjson' | 'csv'): Promise<Array<Record<string, unknown> | string> | 'refused'> {
  const uri = `gs://fuzz/${fileNumber++}.${format}`;
  await store.write(uri, Buffer.from(bytes));
  let index: Awaited<ReturnType<typeof indexParameterFile>>;
  try {
    index = await indexParameterFile(store, uri, format, 7);
  } catch (error) {
    assert.ok(error instanceof ParameterFileError && error.message.length > 0, `not a ParameterFileError: ${String(error)}`);
    return 'refused';
  }
  const plan = {
    runId: 'fuzz',
    parameterCount: index.count,
    shardSize: 7,
    shardCount: index.shardOffsets.length,
    manifest: { parameters: { file: { uri, format } } },
    file: index,
  } as unknown as RunPlan;
  const seen: Array<Record<string, unknown> | string> = [];
  for (let shard = 0; shard < plan.shardCount; shard++) {
    try {
      for await (const input of shardInputs(plan, shard, store)) {
        assert.equal(input.index, seen.length, 'indexes follow the records, in order');
        seen.push('error' in input ? input.error : input.params);
      }
    } catch (error) {
      assert.fail(`a shard of an indexed file threw ${String(error)} (${error instanceof ShardInputError ? 'ShardInputError' : 'unexpected'})`);
    }
  }
  assert.equal(seen.length, index.count);
  for (const item of seen) if (typeof item === 'string') assert.ok(item.length > 0);
  return seen;
}

/** RFC 4180 quoting of one field. */
const quoteField = (s: string) => (/[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s);

test('fuzz: CSV files end indexed with one input per record at its own index, or refused with a reason; a field spanning lines names its line', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => void (await fileOutcome(bytes, 'csv'))),
    params(),
  );
  const field = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('=HYPERLINK("x")', 'a,b', 'say "hi"', 'two\nlines', '1e400', '-3.5', ''));
  const header = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), { minLength: 1, maxLength: 4 });
  await fc.assert(
    fc.asyncProperty(
      header.chain((h) => fc.tuple(fc.constant(h), fc.array(fc.array(field, { minLength: h.length, maxLength: h.length }), { minLength: 1, maxLength: 12 }))),
      async ([h, records]) => {
        const text = [h.join(','), ...records.map((r) => r.map(quoteField).join(','))].join('\n') + '\n';
        const outcome = await fileOutcome(Buffer.from(text), 'csv');
        const spanning = records.findIndex((r) => r.some((f) => /[\r\n]/.test(f)));
        if (spanning >= 0) {
          assert.equal(outcome, 'refused', 'a field spanning lines refuses the file');
          return;
        }
        assert.notEqual(outcome, 'refused');
        const sets = outcome as Array<Record<string, unknown> | string>;
        assert.equal(sets.length, records.filter((r) => r.join('') !== '' || r.length > 1).length, 'one input per record');
      },
    ),
    params(),
  );
});

test('fuzz: NDJSON files end with one input per non-empty line at its own index, each a set or an error with a reason', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => void (await fileOutcome(bytes, 'ndjson'))),
    params(),
  );
  const line = fc.oneof(
    fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }).map((o) => JSON.stringify(o)),
    fc.json({ maxDepth: 3 }),
    fc.string({ maxLength: 30 }),
    fc.constantFrom('{"spot": 1e400}', '{"__proto__": {"x": 1}}', '{"a": 1, "a": 2}', `{"a":${'['.repeat(40)}${']'.repeat(40)}}`),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 15 }), async (lines) => {
      const clean = lines.map((l) => l.replace(/[\r\n]/g, ' '));
      const outcome = await fileOutcome(Buffer.from(clean.join('\n') + '\n'), 'ndjson');
      assert.notEqual(outcome, 'refused', 'short lines never refuse the file');
      const sets = outcome as Array<Record<string, unknown> | string>;
      assert.equal(sets.length, clean.filter((l) => l.length > 0).length);
      for (const set of sets)
        if (typeof set !== 'string') assert.ok(!JSON.stringify(set).includes('null') || clean.some((l) => l.includes('null')), 'no null the file never wrote');
    }),
    params(),
  );
});
