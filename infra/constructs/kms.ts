/**
 * Customer-managed encryption (optional, `infra.kms`): one Cloud KMS key per
 * location and purpose in the key rings the configuration names (`kms-plan.ts`),
 * each rotated every 90 days and protected from `terraform destroy` (destroying a
 * key destroys its versions, and with them every byte it encrypts, including the
 * Firestore database a destroy deliberately keeps). Each key is granted
 * `cloudkms.cryptoKeyEncrypterDecrypter` only to the service agent that uses it;
 * every encrypted resource waits for those grants to propagate, since a bucket,
 * topic, database, repository or cluster created before its agent may use the key
 * fails.
 */
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { Sleep } from '@cdktf/provider-time/lib/sleep/index.js';
import { DataGoogleBigqueryDefaultServiceAccount } from '@cdktf/provider-google/lib/data-google-bigquery-default-service-account/index.js';
import { KmsCryptoKey } from '@cdktf/provider-google/lib/kms-crypto-key/index.js';
import { KmsCryptoKeyIamMember } from '@cdktf/provider-google/lib/kms-crypto-key-iam-member/index.js';
import type { KeyPurpose, KmsPlan } from '../kms-plan.ts';
import { IAM_PROPAGATION_WAIT } from './access.ts';
import type { Identity } from './identity.ts';

/** Rotation period of every key: 90 days (CIS Google Cloud 1.10; Checkov CKV_GCP_43). */
export const KEY_ROTATION_PERIOD = '7776000s';

/** A key for one resource, and what that resource must wait for. */
export interface Cmek {
  /** The key's resource name (`projects/…/cryptoKeys/…`). */
  readonly keyName: string;
  /** Completes once the key's service agent may use it. */
  readonly ready: ITerraformDependable;
}

/** Props of {@link Kms}. */
export interface KmsProps {
  readonly project: string;
  readonly plan: KmsPlan;
  /** Its service agents (the Firestore and Artifact Registry ones created with `cmekAgents`). */
  readonly identity: Identity;
}

/** The keys and their grants. */
export class Kms extends Construct {
  /** Completes once every key grant has had time to propagate. */
  readonly ready: Sleep;
  readonly keys: readonly KmsCryptoKey[];
  private readonly byPlace = new Map<string, KmsCryptoKey>();

  constructor(scope: Construct, id: string, props: KmsProps) {
    super(scope, id);
    const { identity } = props;
    const agents = identity.serviceAgents;
    if (!agents.firestore || !agents.artifactRegistry) throw new Error('Kms needs the Identity construct built with cmekAgents');
    const bigquery = new DataGoogleBigqueryDefaultServiceAccount(this, 'bigquery-agent', { project: props.project });
    // Created with their APIs; the GKE page "Using customer-managed encryption keys" grants these two.
    const number = identity.projectNumber;
    const agentOf: Record<KeyPurpose, string> = {
      storage: agents.storage,
      pubsub: agents.pubsub,
      firestore: agents.firestore,
      registry: agents.artifactRegistry,
      bigquery: bigquery.email,
      'gke-secrets': `service-${number}@container-engine-robot.iam.gserviceaccount.com`,
      'gke-disks': `service-${number}@compute-system.iam.gserviceaccount.com`,
    };

    const grants: ITerraformDependable[] = [];
    for (const planned of props.plan.keys) {
      const place = `${planned.location}-${planned.purpose}`;
      const key = new KmsCryptoKey(this, `key-${place}`, {
        name: planned.name,
        keyRing: planned.keyRing,
        purpose: 'ENCRYPT_DECRYPT',
        rotationPeriod: KEY_ROTATION_PERIOD,
        labels: { app: 'altus', purpose: planned.purpose },
        lifecycle: { preventDestroy: true },
      });
      this.byPlace.set(place, key);
      grants.push(
        new KmsCryptoKeyIamMember(this, `grant-${place}`, {
          cryptoKeyId: key.id,
          role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
          member: `serviceAccount:${agentOf[planned.purpose]}`,
          dependsOn: [identity.serviceAgentsReady],
        }),
      );
    }
    this.keys = [...this.byPlace.values()];
    this.ready = new Sleep(this, 'key-grants-propagated', { createDuration: IAM_PROPAGATION_WAIT, dependsOn: grants });
  }

  /** The key of `purpose` in `location`; the plan has one for every use, so a miss is a bug. */
  keyFor(purpose: KeyPurpose, location: string): Cmek {
    const key = this.byPlace.get(`${location}-${purpose}`);
    if (!key) throw new Error(`no ${purpose} key planned in ${location}`);
    return { keyName: key.id, ready: this.ready };
  }
}
