/** Exit codes of the `altus` CLI (README, "CLI"). */
import type { RunStatus } from '../../shared/documents.ts';

export const EXIT = { succeeded: 0, failedOrPartial: 1, rejected: 2, usage: 3, cancelled: 4 } as const;

/** A usage or environment problem: printed as one line, exit 3. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code for a run that ended with `status`. */
export function exitCodeFor(status: RunStatus): number {
  switch (status) {
    case 'SUCCEEDED':
      return EXIT.succeeded;
    case 'REJECTED':
      return EXIT.rejected;
    case 'CANCELLED':
      return EXIT.cancelled;
    default:
      return EXIT.failedOrPartial;
  }
}
