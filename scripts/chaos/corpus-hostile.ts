/**
 * The hostile part of the corpus (issue 18), one or more cases per class:
 * kernels that leave processes behind, read the stack's plumbing from their
 * environment or write terminal escapes; spreadsheet formulas in a parameter
 * file; numbers that overflow a double; manifests too deep or with a key given
 * twice, uploaded and published as run requests alike; a manifestUri outside
 * the manifests bucket; a CSV field spanning lines. Each case names its end and,
 * where the class is about what a person sees, checks that too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDocument } from '../../shared/documents.ts';
import { Columns, csvRecord, renderTable, type ResultRow } from '../cli/results-output.ts';
import { renderRun } from '../cli/render.ts';
import { printableLogLine } from '../cli/run-listing.ts';
import { localLogFiles, podSlots } from '../cli/worker-logs.ts';
import type { CorpusCase } from './corpus.ts';

const option = { type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 };
// NDJSON results: the checks read rows from the results file's lines.
const base = {
  apiVersion: 'altus/v1',
  kind: 'Run',
  name: 'corpus-hostile',
  kernel: { name: 'black-scholes' },
  parameters: { inline: [option] },
  results: { format: 'ndjson' },
};
const text = JSON.stringify(base);
/** An image the local fleet maps to a folder (jobs/examples/bachelier); the command is what the case needs. */
const IMAGE = 'us-central1-docker.pkg.dev/altus-demo-project/altus/bachelier:1.0';

/** Unique `sleep` durations: a process a kernel leaves behind is found by its own in /proc. */
const leftoverMark = () => `4000.${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
const BACKGROUND = leftoverMark();
const SETSID = leftoverMark();

/** A Python kernel that answers every line with `answer` (a Python expression of `p`, the parameter set) after `prelude`. */
const python = (prelude: string, answer = '{"y": 1}') => ({
  image: IMAGE,
  command: [
    'python3',
    '-c',
    `import json, os, subprocess, sys\n${prelude}\nfor line in sys.stdin:\n    p = json.loads(line)\n    print(json.dumps(${answer}))`,
  ],
});
const custom = (name: string, kernel: unknown, parameters: unknown = { inline: [{ x: 1 }, { x: 2 }, { x: 3 }] }) =>
  JSON.stringify({ apiVersion: 'altus/v1', kind: 'Run', name, kernel, parameters, shardSize: 2, deadlineSeconds: 900, results: { format: 'ndjson' } });

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const rowsOf = (run: RunDocument): ResultRow[] =>
  run.results?.path
    ? readFileSync(run.results.path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ResultRow)
    : [];

/** Whether a `sleep <mark>` process is still alive. */
function leftoverAlive(mark: string): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') === `sleep\0${mark}\0` && state !== 'Z') return true;
    } catch {
      // gone while listing
    }
  }
  return false;
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const duplicated = text.replace('"kernel":{"name":"black-scholes"}', '"kernel":{"name":"black-scholes","name":"european-option-mc"}');
const overflowing = text.replace('"spot":42', '"spot":1e400');
const scenarioBook = readFileSync(new URL('../../examples/scenario-var.json', import.meta.url), 'utf8').replace(
  '"maturity": 0.08, "volatility": 0.26',
  '"maturity": 0.08, "volatility": 0',
);

export const HOSTILE_CORPUS: CorpusCase[] = [
  // Kernels: a shard ends when its kernel exits; nothing it started outlives the run; it sees the pod's environment only.
  {
    name: 'kernel leaving a process that holds its stdout',
    manifest: custom('hostile-background', python(`subprocess.Popen(["sleep", "${BACKGROUND}"])`)),
    expect: { status: 'SUCCEEDED', parametersFailed: 0 },
    check: async () => ((await gone(BACKGROUND)) ? undefined : 'the background process outlived its run'),
  },
  {
    name: 'kernel leaving a child in a new session (setsid)',
    manifest: custom('hostile-setsid', python(`subprocess.Popen(["sleep", "${SETSID}"], start_new_session=True)`)),
    expect: { status: 'SUCCEEDED', parametersFailed: 0 },
    check: async () => ((await gone(SETSID)) ? undefined : 'the setsid child outlived its run'),
  },
  {
    name: "kernel reading the local stack's plumbing from its environment",
    manifest: custom(
      'hostile-env',
      python(
        '',
        '{"y": 1, "leaks": sum(1 for k in os.environ if k in ("ALTUS_LOCAL_STORAGE_DIR", "ALTUS_STORAGE", "PUBSUB_EMULATOR_HOST", "ALTUS_LOG_FILE") or k.endswith("_EMULATOR_HOST"))}',
      ),
    ),
    expect: { status: 'SUCCEEDED', parametersFailed: 0 },
    check: async (run) => {
      const leaks = rowsOf(run).map((r) => r.leaks);
      return leaks.length === 3 && leaks.every((l) => l === 0) ? undefined : `the kernel saw stack variables: ${JSON.stringify(leaks)}`;
    },
  },
  // What reaches a person: escapes from a kernel's stderr, its failure reason and its string outputs are printed escaped.
  {
    name: 'kernel writing terminal escapes to stderr, in outputs, in a declined set and in its failure reason',
    // Shard 0 answers x=1 with a string output and declines x=2; shard 1 writes a line that is not JSON: its reason quotes it.
    manifest: custom(
      'hostile-escapes',
      python(
        'sys.stderr.write("\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\n")',
        '{"y": 1, "note": "\\x1b[2J\\x1b]0;pwned\\x07"} if p["x"] == 1 else {"error": "\\x1b[2J\\rrun SUCCEEDED"} if p["x"] == 2 else "\\x1b[2J\\x1b]0;pwned\\x07 not json"',
      ),
    ),
    expect: { status: 'PARTIAL', parametersFailed: 'any' },
    check: async (run, logDir) => {
      const rows = rowsOf(run);
      const columns = new Columns();
      for (const r of rows) columns.add(r);
      const files = localLogFiles(join(logDir, 'pods'), run, podSlots(run));
      const logged = files.flatMap((f) => readFileSync(f.path, 'utf8').split('\n').filter(Boolean));
      const printed = [
        renderTable(columns, rows),
        ...rows.map((r) => csvRecord(columns.cells(r))),
        renderRun(run),
        ...logged.flatMap((l) => [printableLogLine(l, false), printableLogLine(l, true)]),
      ];
      if (!logged.some((l) => l.includes('pwned'))) return 'the kernel stderr never reached the pod log';
      if (!run.failedShards?.some((f) => f.reason.includes('pwned'))) return 'the failure reason does not quote the bad line';
      return printed.some((p) => CONTROL.test(p)) ? 'a control character reached the printed output' : undefined;
    },
  },
  {
    name: 'parameter file with spreadsheet formulas',
    manifest: custom('hostile-formulas', python('', '{"y": 1}'), { file: { uri: 'formulas.csv', format: 'csv' } }),
    files: { 'formulas.csv': 'label,x\n"=HYPERLINK(""http://evil.example"",""click"")",1\n+1+2,2\n@SUM(A1),3\n-2+3,4\nplain,-5\n' },
    expect: { status: 'SUCCEEDED', parametersFailed: 0 },
    check: async (run) => {
      const rows = rowsOf(run);
      const columns = new Columns();
      for (const r of rows) columns.add(r);
      // The label cell (after the index); a quoted cell is judged by what follows its opening quote.
      const cells = rows.map((r) => (csvRecord(columns.cells(r)).split(',')[1] ?? '').replace(/^"/, ''));
      const live = cells.filter((c) => /^[=+\-@\t\r]/.test(c));
      return rows.length === 5 && live.length === 0 && csvRecord([-5]) === '-5' ? undefined : `formula cells exported live: ${live.join(' ')}`;
    },
  },
  // Messages about numbers.
  {
    name: '1e400 in a manifest',
    manifest: overflowing,
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID', says: /parameters\.inline\.0\.spot: not finite \(overflows a double\)/ },
  },
  {
    name: '1e400 in a parameter file',
    manifest: JSON.stringify({ ...base, parameters: { file: { uri: 'overflow.ndjson', format: 'ndjson' } } }),
    files: { 'overflow.ndjson': `${JSON.stringify(option)}\n{"type":"call","spot":1e400,"strike":40,"rate":0.1,"volatility":0.2,"maturity":0.5}\n` },
    expect: { status: 'SUCCEEDED', parametersFailed: 1 },
    check: async (run) => (rowsOf(run).some((r) => r.error === 'spot: not finite (overflows a double)') ? undefined : 'the overflowing set does not say so'),
  },
  // Every path rejects the same way: uploads and run requests.
  {
    name: 'manifest nested 100,000 deep',
    manifest: text.replace('"name":"corpus-hostile"', `"name":"corpus-hostile","extra":${deep(100_000)}`),
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID', says: /nests deeper than 32 levels/ },
  },
  { name: 'a key given twice', manifest: duplicated, expect: { status: 'REJECTED', code: 'MANIFEST_INVALID', says: /^kernel: the key "name" appears twice/ } },
  {
    name: 'scenario book a kernel check throws on (found by fuzzing)',
    manifest: scenarioBook,
    expect: { status: 'REJECTED', code: 'KERNEL_OPTIONS_INVALID', says: /volatility 0/ },
  },
  {
    name: 'run request: manifest nested 100,000 deep',
    request: (id) => `{"requestId":"${id}","manifest":${text.replace('"name":"corpus-hostile"', `"name":"corpus-hostile","extra":${deep(100_000)}`)}}`,
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID', says: /nests deeper than 33 levels/ },
  },
  {
    name: 'run request: requestId after a manifest too deep',
    request: (id) => `{"manifest":{"extra":${deep(50)}},"requestId":"${id}"}`,
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID', says: /nests deeper/ },
  },
  {
    name: 'run request: a key given twice',
    request: (id) => `{"requestId":"${id}","manifest":${duplicated}}`,
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID', says: /^manifest\.kernel: the key "name" appears twice/ },
  },
  {
    name: 'run request: 1e400',
    request: (id) => `{"requestId":"${id}","manifest":${overflowing}}`,
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID', says: /not finite \(overflows a double\)/ },
  },
  {
    name: 'run request: manifestUri outside the manifests bucket',
    request: (id) => `{"requestId":"${id}","manifestUri":"gs://elsewhere-bucket/${id}/plan.json"}`,
    expect: { status: 'REJECTED', code: 'MANIFEST_INVALID', says: /is outside the manifests bucket/ },
  },
  // A CSV field spanning lines fails the whole file with its line number.
  {
    name: 'CSV field spanning lines',
    manifest: JSON.stringify({ ...base, parameters: { file: { uri: 'multiline.csv', format: 'csv' } } }),
    files: { 'multiline.csv': 'type,spot,strike,rate,volatility,maturity,note\ncall,42,40,0.1,0.2,0.5,"one\ntwo"\nput,42,40,0.1,0.2,0.5,x\n' },
    expect: { status: 'REJECTED', code: 'PARAMETERS_FILE_INVALID', says: /line 2 of .*multiline\.csv: a quoted field runs past the end of the line/ },
  },
];

/** True once no leftover process is alive (polled for up to 5 s: ending a tree is not instant). */
async function gone(mark: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!leftoverAlive(mark)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
