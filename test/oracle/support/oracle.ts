/**
 * Asks the Python oracle (test/oracle/oracle.py: QuantLib and scipy in the
 * project's .venv) for a whole batch of answers in one process: the TypeScript
 * side computes its figures, Python computes the references, the test compares.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PYTHON = join(ROOT, '.venv/bin/python');
const SCRIPT = join(ROOT, 'test/oracle/oracle.py');

/** The oracle's environment is missing or its answer unusable. */
export class OracleError extends Error {
  override readonly name = 'OracleError';
}

const answerSchema = z.object({ quantlib: z.string(), results: z.array(z.record(z.string(), z.number())) }).strict();

/** The oracle's answers to `request`, one record of numbers per case, in order. */
export async function askOracle(request: { kind: string } & Record<string, unknown>): Promise<{ quantlib: string; results: Record<string, number>[] }> {
  if (!existsSync(PYTHON)) {
    throw new OracleError(`the oracle's Python environment is missing (${PYTHON}): run \`npm run oracle:venv\` (CI's .ci/run does)`);
  }
  const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => stdout.push(d));
  child.stderr.on('data', (d: Buffer) => stderr.push(d));
  const exited = new Promise<number>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
  });
  child.stdin.end(JSON.stringify(request));
  const code = await exited;
  if (code !== 0) throw new OracleError(`oracle.py (${request.kind}) exited with ${code}: ${Buffer.concat(stderr).toString('utf8').slice(-2000)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(stdout).toString('utf8'));
  } catch (error) {
    throw new OracleError(`oracle.py (${request.kind}) did not answer JSON`, { cause: error });
  }
  const answer = answerSchema.safeParse(parsed);
  if (!answer.success) throw new OracleError(`oracle.py (${request.kind}) answered an unexpected shape: ${answer.error.message}`);
  return answer.data;
}
