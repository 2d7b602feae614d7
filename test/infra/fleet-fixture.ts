/**
 * Shared by the infra tests: the test fleet configuration (test/fixtures), variants
 * of it, the shipped one (for the few tests whose point is that it deploys), and a
 * synthesized stack for any of them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefaultTokenResolver, StringConcat, Testing, Tokenization } from 'cdktf';
import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { loadFleetConfig, parseFleetConfig, type FleetConfig } from '../../shared/fleet-config.ts';
import { stackConfigFromFleet, type StackOptions } from '../../infra/config.ts';
import { AltusStack } from '../../infra/stack.ts';
import { parseSynthesized, type SynthesizedStack } from '../../infra/synthesized.ts';

/** The Firestore rules file the stack deploys. */
export const RULES_PATH = fileURLToPath(new URL('../../functions/firestore.rules', import.meta.url));

/** The fleet the infra tests synthesize (test/fixtures/altus.config.json). */
export const TEST_FLEET: FleetConfig = loadFleetConfig(TEST_FLEET_CONFIG);

/** The deployable `altus.config.json`: only for tests that check the shipped file deploys. */
export const SHIPPED_FLEET: FleetConfig = loadFleetConfig(DEFAULT_FLEET_CONFIG);

/** A synthesized stack: the construct tree, its JSON text and its parsed form. */
export interface Synthesized {
  readonly stack: AltusStack;
  readonly json: string;
  readonly parsed: SynthesizedStack;
  /** Resolves a token (`stack.identity.nodes.email`) to the reference string the JSON holds. */
  readonly ref: (token: string) => string;
}

/** Synthesizes the stack of `fleet`. */
export function synthFleet(fleet: FleetConfig = TEST_FLEET, options: Partial<StackOptions> = {}): Synthesized {
  const config = stackConfigFromFleet(fleet, { firestoreRules: readFileSync(RULES_PATH, 'utf8'), ...options });
  const stack = new AltusStack(Testing.app(), 'test', config);
  const json = Testing.synth(stack);
  return { stack, json, parsed: parseSynthesized(json), ref: (token) => resolveToken(stack, token) };
}

function resolveToken(stack: AltusStack, token: string): string {
  return Tokenization.resolve(token, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }) as string;
}

/** The test fleet, edited by `edit` (on a deep copy) and validated again. */
export function fleetWith(edit: (raw: Record<string, any>) => void): FleetConfig {
  const raw = JSON.parse(readFileSync(TEST_FLEET_CONFIG, 'utf8')) as Record<string, any>;
  edit(raw);
  return parseFleetConfig(raw, 'edited fleet');
}

/** Resources of `type` in a synthesized stack, by their Terraform name. */
export function resources(parsed: SynthesizedStack, type: string): Record<string, Record<string, any>> {
  return (parsed.resource?.[type] ?? {}) as Record<string, Record<string, any>>;
}
