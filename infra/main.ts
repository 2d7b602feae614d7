/**
 * The CDKTF app (`cdktf synth`, `cdktf deploy`; or `tsx infra/main.ts`): one
 * stack, `altus-<environment>`, from the fleet configuration at
 * ALTUS_FLEET_CONFIG or `altus.config.json` at the repository root. The one
 * file of `infra/` that reads the environment and the disk.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'cdktf';
import { DEFAULT_FLEET_CONFIG } from '../shared/config.ts';
import { loadFleetConfig } from '../shared/fleet-config.ts';
import { stackConfigFromFleet } from './config.ts';
import { AltusStack, stackName } from './stack.ts';

/** The Firestore rules the stack deploys. */
export const FIRESTORE_RULES_PATH = fileURLToPath(new URL('../functions/firestore.rules', import.meta.url));

try {
  const fleet = loadFleetConfig(process.env.ALTUS_FLEET_CONFIG ?? DEFAULT_FLEET_CONFIG);
  const config = stackConfigFromFleet(fleet, { firestoreRules: readFileSync(FIRESTORE_RULES_PATH, 'utf8') });
  // The CLI passes its output directory in CDKTF_OUTDIR; run directly, the app writes cdktf.out/.
  const app = new App();
  new AltusStack(app, stackName(fleet.environment), config);
  app.synth();
} catch (error) {
  process.stderr.write(`altus infra: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
