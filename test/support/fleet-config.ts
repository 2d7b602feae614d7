/**
 * The fleet configuration tests run against: a fixture under test/, a copy of the
 * shipped fleet configuration at the time it was taken. An operator who sets their
 * own clusters and prices in the deployable file does not break `npm test`; the
 * few tests whose point is the shipped file itself read that one instead,
 * and say so (test/unit/test-fleet-config.test.ts names them).
 */
import { fileURLToPath } from 'node:url';

/** Path of the fixture fleet configuration. */
export const TEST_FLEET_CONFIG = fileURLToPath(new URL('../fixtures/altus.config.json', import.meta.url));
