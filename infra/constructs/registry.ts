/**
 * Artifact Registry: the repository the worker image is pushed to by
 * `npm run image` (Cloud Build, `infra/cloudbuild.yaml`), where the fleet
 * configuration's `workerImage` points, and the repository Cloud Functions
 * stores the functions' built images in.
 */
import { Construct } from 'constructs';
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository/index.js';
import type { RegistryConfig } from '../config.ts';
import type { Cmek } from './kms.ts';

/** Props of {@link Registry}. */
export interface RegistryProps {
  readonly project: string;
  readonly registry: RegistryConfig;
  /** Region of the functions (their build repository lives there). */
  readonly functionsRegion: string;
  /** Keys of the repositories (CMEK on), each in its repository's location; set only at creation. */
  readonly cmek?: { readonly images: Cmek; readonly functionImages: Cmek };
}

/** The image repositories. */
export class Registry extends Construct {
  /** Holds `worker` (and custom kernel images built on it). */
  readonly images: ArtifactRegistryRepository;
  /** Holds the functions' images, built by Cloud Functions from the source archive. */
  readonly functionImages: ArtifactRegistryRepository;

  constructor(scope: Construct, id: string, props: RegistryProps) {
    super(scope, id);
    this.images = new ArtifactRegistryRepository(this, 'images', {
      project: props.project,
      location: props.registry.location,
      repositoryId: props.registry.repositoryId,
      format: 'DOCKER',
      description: 'Altus worker images',
      ...(props.cmek ? { kmsKeyName: props.cmek.images.keyName, dependsOn: [props.cmek.images.ready] } : {}),
      cleanupPolicies: [
        // Pinned digests stay; untagged leftovers of rebuilt tags go after 30 days.
        { id: 'delete-untagged', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: '2592000s' } },
        { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: 20 } },
      ],
    });
    this.functionImages = new ArtifactRegistryRepository(this, 'function-images', {
      project: props.project,
      location: props.functionsRegion,
      repositoryId: 'altus-functions',
      format: 'DOCKER',
      description: 'Altus Cloud Functions builds',
      ...(props.cmek ? { kmsKeyName: props.cmek.functionImages.keyName, dependsOn: [props.cmek.functionImages.ready] } : {}),
      cleanupPolicies: [
        { id: 'delete-old', action: 'DELETE', condition: { tagState: 'ANY', olderThan: '2592000s' } },
        { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } },
      ],
    });
  }
}
