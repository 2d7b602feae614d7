/**
 * Run state: the Firestore database in native mode and the security rules that
 * deny every client read and write. The functions and workers use IAM
 * (`roles/datastore.user`), which rules do not apply to; no browser or mobile
 * client ever talks to Firestore directly.
 */
import { dependable } from 'cdktf';
import { Construct } from 'constructs';
import { FirebaserulesRelease } from '@cdktf/provider-google/lib/firebaserules-release/index.js';
import { FirebaserulesRuleset } from '@cdktf/provider-google/lib/firebaserules-ruleset/index.js';
import { FirestoreDatabase } from '@cdktf/provider-google/lib/firestore-database/index.js';
import type { Cmek } from './kms.ts';

/** Props of {@link State}. */
export interface StateProps {
  readonly project: string;
  readonly location: string;
  /** Text of `functions/firestore.rules`. */
  readonly rules: string;
  /**
   * Key of the database (CMEK on), in its location. Set only at creation: Firestore
   * cannot re-key a database, so turning CMEK on later would mean a new database.
   */
  readonly cmek?: Cmek;
}

/** The Firestore database and its rules. */
export class State extends Construct {
  readonly database: FirestoreDatabase;
  readonly ruleset: FirebaserulesRuleset;
  readonly release: FirebaserulesRelease;

  constructor(scope: Construct, id: string, props: StateProps) {
    super(scope, id);
    this.database = new FirestoreDatabase(this, 'database', {
      project: props.project,
      name: '(default)',
      locationId: props.location,
      type: 'FIRESTORE_NATIVE',
      concurrencyMode: 'PESSIMISTIC',
      pointInTimeRecoveryEnablement: 'POINT_IN_TIME_RECOVERY_ENABLED',
      deleteProtectionState: 'DELETE_PROTECTION_ENABLED',
      // `cdktf destroy` leaves the run history in place; deleting it is a separate, deliberate step.
      deletionPolicy: 'ABANDON',
      ...(props.cmek ? { cmekConfig: { kmsKeyName: props.cmek.keyName }, dependsOn: [props.cmek.ready] } : {}),
    });

    this.ruleset = new FirebaserulesRuleset(this, 'rules', {
      project: props.project,
      source: { files: [{ name: 'firestore.rules', content: props.rules }] },
      dependsOn: [this.database],
    });
    this.release = new FirebaserulesRelease(this, 'release', {
      project: props.project,
      // The release of the (default) database.
      name: 'cloud.firestore',
      rulesetName: `projects/${props.project}/rulesets/${this.ruleset.name}`,
      // A bare address: the dependable itself synthesizes as "${…}", which terraform init refuses here.
      lifecycle: { replaceTriggeredBy: [dependable(this.ruleset)] },
    });
  }
}
