/**
 * The malformed-input corpus: manifests and parameter files a careless or
 * hostile user could upload. Each names what must happen: REJECTED with a
 * specific code, or a finished run whose bad parameter sets failed alone.
 */
import type { RunDocument } from '../../shared/documents.ts';
import { HOSTILE_CORPUS } from './corpus-hostile.ts';

const option = { type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 };
// NDJSON results: the verdict reads each failed set's reason from the results file's lines.
const base = {
  apiVersion: 'altus/v1',
  kind: 'Run',
  name: 'corpus',
  kernel: { name: 'black-scholes' },
  parameters: { inline: [option] },
  results: { format: 'ndjson' },
};
const with_ = (patch: Record<string, unknown>) => JSON.stringify({ ...base, ...patch });
const fileManifest = (format: 'ndjson' | 'csv', uri = `params.${format}`) => with_({ parameters: { file: { uri, format } } });
const line = (p: Record<string, unknown>) => JSON.stringify(p);

/** One corpus case: a manifest uploaded, or a run request published (`request`, given the request id). */
export interface CorpusCase {
  name: string;
  /** The manifest bytes, uploaded as they are. */
  manifest?: string | Buffer;
  /** The run request's bytes, published as they are on the run-requests topic. */
  request?: (requestId: string) => string;
  /** Files uploaded beside it. */
  files?: Record<string, string | Buffer>;
  /** How it ends; `says` must match the run's error message; 'any' failed sets skips the per-row reasons check. */
  expect: { status: 'REJECTED'; code: string; says?: RegExp } | { status: 'SUCCEEDED' | 'PARTIAL'; parametersFailed: number | 'all' | 'any' };
  /** What else must hold once it ended (undefined when it does; `logDir` is the stack's). */
  check?: (run: RunDocument, logDir: string) => Promise<string | undefined>;
}

const deep = (n: number): string => (n === 0 ? '1' : `{"a":${deep(n - 1)}}`);

export const CORPUS: CorpusCase[] = [
  { name: 'empty file', manifest: '', expect: { status: 'REJECTED', code: 'MANIFEST_NOT_JSON' } },
  { name: 'truncated JSON', manifest: with_({}).slice(0, 40), expect: { status: 'REJECTED', code: 'MANIFEST_NOT_JSON' } },
  { name: 'JSON array', manifest: '[1,2,3]', expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' } },
  { name: 'JSON null', manifest: 'null', expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' } },
  {
    name: 'not UTF-8',
    manifest: Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    expect: { status: 'REJECTED', code: 'MANIFEST_NOT_JSON' },
  },
  {
    name: 'UTF-16 with BOM',
    manifest: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(with_({}), 'utf16le')]),
    expect: { status: 'REJECTED', code: 'MANIFEST_NOT_JSON' },
  },
  { name: 'UTF-8 BOM (accepted)', manifest: '\ufeff' + with_({}), expect: { status: 'SUCCEEDED', parametersFailed: 0 } },
  { name: 'nesting 40 deep', manifest: with_({ extra: JSON.parse(deep(40)) }), expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' } },
  {
    name: '__proto__ key',
    manifest: with_({}).replace('"kernel":{', '"kernel":{"__proto__":{"polluted":1},'),
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' },
  },
  {
    name: 'constructor key in a parameter set',
    manifest: with_({ parameters: { inline: [{ ...option, constructor: 1 }] } }),
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' },
  },
  {
    name: '2,000 keys in one object',
    manifest: with_({ kernel: { name: 'black-scholes', ...Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])) } }),
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' },
  },
  { name: 'over 10 MiB', manifest: with_({ name: 'big', padding: 'x'.repeat(11 * 1024 * 1024) }), expect: { status: 'REJECTED', code: 'MANIFEST_TOO_LARGE' } },
  { name: 'wrong apiVersion', manifest: with_({ apiVersion: 'v1' }), expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' } },
  { name: 'name with a path', manifest: with_({ name: '../../etc/passwd' }), expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' } },
  { name: 'shardSize as a string', manifest: with_({ shardSize: '1000' }), expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' } },
  { name: 'negative shardSize', manifest: with_({ shardSize: -5 }), expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' } },
  { name: 'fractional retries', manifest: with_({ retries: { perShard: 1.5 } }), expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' } },
  { name: 'kernel name as a number', manifest: with_({ kernel: { name: 7 } }), expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' } },
  {
    name: 'paths 1e12',
    manifest: with_({ kernel: { name: 'european-option-mc', paths: 1e12 } }),
    expect: { status: 'REJECTED', code: 'KERNEL_OPTIONS_INVALID' },
  },
  {
    name: 'grid of 1e12 points',
    manifest: with_({ parameters: { grid: { base: option, axes: { strike: { from: 1, to: 2, steps: 1e6 }, spot: { from: 1, to: 2, steps: 1e6 } } } } }),
    expect: { status: 'REJECTED', code: 'PARAMETERS_TOO_MANY' },
  },
  {
    name: 'random count 1e9',
    manifest: with_({ parameters: { random: { count: 1e9, base: option, fields: {} } } }),
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' },
  },
  {
    name: 'random with an unknown distribution',
    manifest: with_({ parameters: { random: { count: 3, base: option, fields: { spot: { lognormal: [0, 1] } } } } }),
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID' },
  },
  {
    name: 'file in another bucket that does not exist',
    manifest: with_({ parameters: { file: { uri: 'gs://nowhere-bucket/x.ndjson', format: 'ndjson' } } }),
    expect: { status: 'REJECTED', code: 'PARAMETERS_FILE_MISSING' },
  },
  {
    name: 'file path escaping the bucket',
    manifest: with_({ parameters: { file: { uri: 'gs://altus-manifests/../secrets.ndjson', format: 'ndjson' } } }),
    expect: { status: 'REJECTED', code: 'PARAMETERS_FILE_MISSING' },
  },
  {
    name: 'file with a control character in its name',
    manifest: with_({ parameters: { file: { uri: 'gs://altus-manifests/a\u0001b.ndjson', format: 'ndjson' } } }),
    expect: { status: 'REJECTED', code: 'PARAMETERS_FILE_MISSING' },
  },
  { name: 'empty NDJSON file', manifest: fileManifest('ndjson'), files: { 'params.ndjson': '\n\n' }, expect: { status: 'REJECTED', code: 'PARAMETERS_EMPTY' } },
  { name: 'CSV without a header', manifest: fileManifest('csv'), files: { 'params.csv': '' }, expect: { status: 'REJECTED', code: 'PARAMETERS_FILE_INVALID' } },
  {
    name: 'CSV with a duplicate column',
    manifest: fileManifest('csv'),
    files: { 'params.csv': 'spot,spot\n1,2\n' },
    expect: { status: 'REJECTED', code: 'PARAMETERS_FILE_INVALID' },
  },
  {
    name: 'NDJSON line over 64 KiB',
    manifest: fileManifest('ndjson'),
    files: { 'params.ndjson': line(option) + '\n' + 'x'.repeat(70_000) + '\n' },
    expect: { status: 'REJECTED', code: 'PARAMETERS_FILE_INVALID' },
  },
  {
    name: 'NDJSON with hostile lines',
    manifest: fileManifest('ndjson'),
    files: {
      'params.ndjson': [
        line(option),
        '{"__proto__": {"admin": true}}',
        'not json',
        '[1, 2]',
        line({ ...option, volatility: Number.POSITIVE_INFINITY }),
        line({ ...option, spot: -1 }),
        line({ ...option, type: 'straddle' }),
        line({ ...option, extra: 1 }),
        line({ ...option, strike: '40' }),
        line(option),
      ].join('\n'),
    },
    expect: { status: 'SUCCEEDED', parametersFailed: 8 },
  },
  {
    name: 'NDJSON with invalid UTF-8 and CRLF',
    manifest: fileManifest('ndjson'),
    files: { 'params.ndjson': Buffer.concat([Buffer.from(line(option) + '\r\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from(line(option) + '\r\n')]) },
    expect: { status: 'SUCCEEDED', parametersFailed: 1 },
  },
  {
    name: 'CSV with bad rows',
    manifest: fileManifest('csv'),
    files: { 'params.csv': 'type,spot,strike,rate,volatility,maturity\ncall,42,40,0.1,0.2,0.5\ncall,42,40\ncall,NaN,40,0.1,0.2,0.5\nput,42,40,0.1,0.2,0.5\n' },
    expect: { status: 'SUCCEEDED', parametersFailed: 2 },
  },
  {
    // RFC 4180 reads an unclosed quote as a field running into the next line: one record per line cannot hold it.
    name: 'CSV with an unclosed quote',
    manifest: fileManifest('csv'),
    files: { 'params.csv': 'type,spot,strike,rate,volatility,maturity\ncall,42,40,0.1,0.2,0.5\n"call,42,40,0.1,0.2,0.5\nput,42,40,0.1,0.2,0.5\n' },
    expect: { status: 'REJECTED', code: 'PARAMETERS_FILE_INVALID', says: /line 3 of .*: a quoted field runs past the end of the line/ },
  },
  {
    name: 'binary garbage as NDJSON',
    manifest: fileManifest('ndjson'),
    files: { 'params.ndjson': Buffer.from(Array.from({ length: 4000 }, (_, i) => ((i * 7919) % 251 === 10 ? 32 : (i * 7919) % 251))) },
    expect: { status: 'SUCCEEDED', parametersFailed: 'all' },
  },
  ...HOSTILE_CORPUS,
];
