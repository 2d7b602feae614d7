/**
 * The test tiers: one folder each under `test/`, one npm script each
 * (`npm run test:<tier>`); `npm test` runs every tier. And what a test file needs
 * from scripts/test-with-stack.ts, read from the file itself:
 *
 * - the shared local stack, when it imports `test/support/stack.ts` (which reads
 *   `ALTUS_TEST_HOME`): the runner starts the stack only for such files;
 * - the machine alone, when its header says `@own-stack`: it starts a stack of its own;
 * - a process of its own, except in the unit tier, whose files share two: its pure
 *   tests take less time than starting a process per file would.
 */
import { sep } from 'node:path';

/** One tier of the test suite. */
export interface TestTier {
  /** The folder its `*.test.ts` files live in, relative to the repository root. */
  readonly folder: string;
  /** Whether its files may share a process (scripts/test-bundles.ts): they leave no process-wide state behind. */
  readonly sharesProcess: boolean;
  /** What a file of this tier may do: the rule a new test is filed by. */
  readonly holds: string;
}

/** Tier names, the `<tier>` in `npm run test:<tier>`. */
export const TIER_NAMES = ['unit', 'integration', 'e2e', 'chaos', 'oracle', 'infra'] as const;

/** A tier's name. */
export type TierName = (typeof TIER_NAMES)[number];

/** Every tier, in the order `npm test` lists them. */
export const TEST_TIERS: Readonly<Record<TierName, TestTier>> = {
  unit: { folder: 'test/unit', sharesProcess: true, holds: 'pure tests: no child process, server, network or emulator' },
  integration: {
    folder: 'test/integration',
    sharesProcess: false,
    holds: "the pipeline's parts together in memory, the emulators, child processes, HTTP servers on localhost",
  },
  e2e: { folder: 'test/e2e', sharesProcess: false, holds: 'runs through the local stack: pipeline, CLI, dashboard API and browser' },
  chaos: { folder: 'test/chaos', sharesProcess: false, holds: 'the fast chaos scenarios, each file on a stack of its own' },
  oracle: { folder: 'test/oracle', sharesProcess: false, holds: 'the kernels against QuantLib and scipy (a Python child process)' },
  infra: { folder: 'test/infra', sharesProcess: false, holds: 'the cdktf synth, its policy, Checkov and the Firestore rules' },
};

const OWN_STACK = /^\s*\*\s*@own-stack\b/m;
// An import of test/support/stack.ts (static, or dynamic after arranging the environment): the one way a test reaches the shared stack.
const SHARED_STACK = /^import\s[^;]*?from\s+'[^']*\/support\/stack\.ts'|^[^'"\n]*\bawait import\(\s*'[^']*\/support\/stack\.ts'\s*\)/m;

/** Whether an argument names a tier rather than a file or folder. */
export function isTierName(argument: string): argument is TierName {
  return (TIER_NAMES as readonly string[]).includes(argument);
}

/** The tier a test file (a path relative to the repository root) belongs to, or null outside every tier's folder. */
export function tierOf(file: string): TierName | null {
  const path = file.split(sep).join('/').replace(/^\.\//, '');
  return TIER_NAMES.find((name) => path.startsWith(`${TEST_TIERS[name].folder}/`)) ?? null;
}

/** Whether a file may share a process with others of its tier. */
export function sharesProcess(file: string): boolean {
  const tier = tierOf(file);
  return tier !== null && TEST_TIERS[tier].sharesProcess;
}

/** Whether a test file, by its source, starts a stack of its own (its header says `@own-stack`). */
export function startsOwnStack(source: string): boolean {
  return OWN_STACK.test(source.slice(0, 2000));
}

/** Whether a test file, by its source, runs against the shared stack. */
export function needsSharedStack(source: string): boolean {
  return !startsOwnStack(source) && SHARED_STACK.test(source);
}
