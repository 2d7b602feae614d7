/**
 * Fleet commands of the `altus` CLI (render-jobs, fleet bootstrap, cancel),
 * registered on the main program.
 */
import type { Command } from 'commander';

/** Adds the fleet commands to `program`. */
export function registerFleetCommands(_program: Command, _context: { home: string }): void {
  // The GKE fleet commands land here (issue: dispatch onto the GKE worker fleet).
}
