/**
 * Where customer-managed keys must live, and which key ring serves each place.
 * Cloud KMS keys are usable only by resources in their own location (Cloud
 * Storage, Firestore, Artifact Registry, BigQuery and GKE all refuse a key from
 * elsewhere), so one key ring name cannot serve a fleet spread over regions: the
 * configuration names a ring per location (`infra.kms.keyRings`) and this plan
 * says, before anything is synthesized, which locations need one and refuses a
 * ring listed under a location it is not in.
 *
 * Pub/Sub topics are global; Google's Pub/Sub CMEK page recommends a `global` key
 * so that publishers and subscribers in any region do not depend on one region's
 * KMS, and that is what the topics get.
 */

/** What a key encrypts; one key per purpose and location, granted to that purpose's service agent only. */
export const KEY_PURPOSES = ['storage', 'firestore', 'pubsub', 'registry', 'gke-secrets', 'gke-disks', 'bigquery'] as const;
/** One of {@link KEY_PURPOSES}. */
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

/** A key the stack creates: `altus-<environment>-<purpose>` in the key ring of its location. */
export interface PlannedKey {
  readonly purpose: KeyPurpose;
  readonly location: string;
  readonly keyRing: string;
  readonly name: string;
}

/** The keys of a stack with CMEK on. */
export interface KmsPlan {
  readonly keys: readonly PlannedKey[];
}

/** Something that needs a key of `purpose` in `location`; `what` names it in errors. */
export interface KeyUse {
  readonly purpose: KeyPurpose;
  readonly location: string;
  readonly what: string;
}

/** The plan, or every reason there is none. */
export type KmsPlanResult = { readonly plan: KmsPlan; readonly problems: readonly [] } | { readonly plan?: undefined; readonly problems: readonly string[] };

const KEY_RING = /^projects\/[^/]+\/locations\/([^/]+)\/keyRings\/[^/]+$/;

/** The key ring's own location, from its resource name. */
export function keyRingLocation(keyRing: string): string | undefined {
  return KEY_RING.exec(keyRing)?.[1];
}

/**
 * The keys `uses` need, from the key rings the configuration names by location.
 * Problems: a ring listed under a location it is not in, and a location some
 * resource needs a key in that has no ring.
 */
export function planKms(environment: string, keyRings: Readonly<Record<string, string>>, uses: readonly KeyUse[]): KmsPlanResult {
  const problems: string[] = [];
  for (const [location, keyRing] of Object.entries(keyRings)) {
    const actual = keyRingLocation(keyRing);
    if (actual !== location) {
      problems.push(
        `infra.kms.keyRings["${location}"] is ${keyRing}, a key ring in ${actual ?? 'no location'}: a Cloud KMS key encrypts only resources in its own location, so it cannot serve ${location}`,
      );
    }
  }
  const missing = new Map<string, string[]>();
  for (const use of uses) if (!keyRings[use.location]) missing.set(use.location, [...(missing.get(use.location) ?? []), use.what]);
  const named = Object.keys(keyRings).join(', ') || 'none';
  for (const [location, what] of missing) {
    const names = [...new Set(what)];
    problems.push(
      `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} in ${location} and need${names.length === 1 ? 's' : ''} a key ring there (keys must be in their resource's location); infra.kms.keyRings names ${named}`,
    );
  }
  if (problems.length) return { problems };

  const keys = new Map<string, PlannedKey>();
  for (const { purpose, location } of uses) {
    keys.set(`${location}/${purpose}`, { purpose, location, keyRing: keyRings[location]!, name: `altus-${environment}-${purpose}` });
  }
  return { plan: { keys: [...keys.values()] }, problems: [] };
}
