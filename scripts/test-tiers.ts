/**
 * The test tiers: one folder each under `test/`, one npm script each
 * (`npm run test:<tier>`), and whether its files need the shared local stack that
 * scripts/test-with-stack.ts starts. `npm test` runs every tier.
 *
 * A file that starts a stack of its own says `@own-stack` in its header instead;
 * the runner gives it the machine alone, whatever its tier. The unit tier's files
 * run a share each in two processes, not one process each: its pure tests take
 * less time than starting a process per file would.
 */
import { sep } from 'node:path';

/** One tier of the test suite. */
export interface TestTier {
  /** The folder its `*.test.ts` files live in, relative to the repository root. */
  readonly folder: string;
  /** Whether its files need the shared stack (emulators, functions, the local fleet). */
  readonly needsStack: boolean;
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
  unit: { folder: 'test/unit', needsStack: false, sharesProcess: true, holds: 'pure tests: no child process, server, network or emulator' },
  integration: { folder: 'test/integration', needsStack: true, sharesProcess: false, holds: 'the pipeline\'s parts together in memory, the emulators, child processes, HTTP servers on localhost' },
  e2e: { folder: 'test/e2e', needsStack: true, sharesProcess: false, holds: 'runs through the local stack: pipeline, CLI, dashboard API and browser' },
  chaos: { folder: 'test/chaos', needsStack: false, sharesProcess: false, holds: 'the fast chaos scenarios, each file on a stack of its own' },
  oracle: { folder: 'test/oracle', needsStack: false, sharesProcess: false, holds: 'the kernels against QuantLib and scipy (a Python child process)' },
  infra: { folder: 'test/infra', needsStack: false, sharesProcess: false, holds: 'the cdktf synth, its policy, Checkov and the Firestore rules' },
};

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

/**
 * Whether a file that does not start its own stack needs the shared one. A file
 * outside every tier does, so a test put in the wrong place still gets what it
 * may need rather than failing for want of it.
 */
export function needsSharedStack(file: string): boolean {
  const tier = tierOf(file);
  return tier === null || TEST_TIERS[tier].needsStack;
}
