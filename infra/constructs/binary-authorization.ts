/**
 * The project's Binary Authorization policy, which every cluster enforces
 * (`PROJECT_SINGLETON_POLICY_ENFORCE`): only images from the configuration's
 * `allowedImageRegistries` (and the worker image's own repository) run; GKE's
 * system images are admitted by Google's global policy. The functions check
 * custom kernel images against the same list before dispatch; this makes GKE
 * refuse anything else even if that check were bypassed.
 */
import { Construct } from 'constructs';
import { BinaryAuthorizationPolicy } from '@cdktf/provider-google/lib/binary-authorization-policy/index.js';

/** Props of {@link BinaryAuthorization}. */
export interface BinaryAuthorizationProps {
  readonly project: string;
  /** Registry prefixes (`us-central1-docker.pkg.dev/<project>/`) whose images may run. */
  readonly allowedImageRegistries: readonly string[];
}

/**
 * The allowlist pattern of a registry prefix: Binary Authorization's trailing `**`
 * matches every image under it (a single `*` would stop at the next `/`).
 */
export function admissionPattern(prefix: string): string {
  return `${prefix.replace(/\*+$/, '')}**`;
}

/** The policy. */
export class BinaryAuthorization extends Construct {
  readonly policy: BinaryAuthorizationPolicy;

  constructor(scope: Construct, id: string, props: BinaryAuthorizationProps) {
    super(scope, id);
    this.policy = new BinaryAuthorizationPolicy(this, 'policy', {
      project: props.project,
      description: 'Altus: only images from the configured registries run on the clusters',
      globalPolicyEvaluationMode: 'ENABLE',
      admissionWhitelistPatterns: props.allowedImageRegistries.map((prefix) => ({ namePattern: admissionPattern(prefix) })),
      defaultAdmissionRule: { evaluationMode: 'ALWAYS_DENY', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
    });
  }
}
