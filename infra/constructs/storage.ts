/**
 * The buckets: manifests (uploads start runs; versioned), results (plans,
 * shard outputs, full results; aged out by lifecycle rules) and sources (the
 * functions' build archive and Cloud Build staging). All private: uniform
 * bucket-level access and public access prevention enforced.
 */
import { Fn, TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import { StorageBucket, type StorageBucketConfig } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import type { Cmek } from './kms.ts';

/** Props of {@link Storage}. */
export interface StorageProps {
  readonly project: string;
  readonly location: string;
  readonly names: { readonly manifests: string; readonly results: string; readonly sources: string };
  readonly resultsRetentionDays: number;
  /** Terraform path expression of the zipped functions build. */
  readonly functionsArchive: string;
  /** Default key of every bucket (CMEK on); objects written without one are encrypted with it. */
  readonly cmek?: Cmek;
}

/** The buckets and the functions' source object. */
export class Storage extends Construct {
  readonly manifests: StorageBucket;
  readonly results: StorageBucket;
  readonly sources: StorageBucket;
  /** The uploaded functions archive; its name changes with its content, so functions rebuild exactly when it does. */
  readonly functionsSource: StorageBucketObject;
  /** The archive's path, as a Terraform local. */
  readonly functionsArchive: TerraformLocal;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const bucket = (key: string, name: string, extra: Partial<StorageBucketConfig>) =>
      new StorageBucket(this, key, {
        project: props.project,
        name,
        location: props.location,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        // Destroying a bucket that still holds runs must be a deliberate act (see infra/README.md).
        forceDestroy: false,
        ...(props.cmek ? { encryption: { defaultKmsKeyName: props.cmek.keyName }, dependsOn: [props.cmek.ready] } : {}),
        ...extra,
      });

    const abortUploads = { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 7 } };
    this.manifests = bucket('manifests', props.names.manifests, {
      versioning: { enabled: true },
      lifecycleRule: [
        // A replaced or deleted manifest stays recoverable for 30 days.
        { action: { type: 'Delete' }, condition: { daysSinceNoncurrentTime: 30, withState: 'ARCHIVED' } },
        abortUploads,
      ],
    });
    // A deleted or overwritten object stays recoverable for 30 days (results, plans, sources).
    const dropOldVersions = { action: { type: 'Delete' }, condition: { daysSinceNoncurrentTime: 30, withState: 'ARCHIVED' } };
    this.results = bucket('results', props.names.results, {
      versioning: { enabled: true },
      lifecycleRule: [
        dropOldVersions,
        { action: { type: 'SetStorageClass', storageClass: 'NEARLINE' }, condition: { age: 30, matchesStorageClass: ['STANDARD'] } },
        { action: { type: 'Delete' }, condition: { age: props.resultsRetentionDays } },
        abortUploads,
      ],
    });
    this.sources = bucket('sources', props.names.sources, {
      versioning: { enabled: true },
      lifecycleRule: [
        dropOldVersions,
        // Old function archives and Cloud Build staging tarballs.
        { action: { type: 'Delete' }, condition: { age: 30, matchesPrefix: ['image-source/'] } },
        abortUploads,
      ],
    });

    // A local, so the path expression stays unescaped and is read by Terraform at plan time, not by synth.
    const archive = new TerraformLocal(this, 'functions_archive', props.functionsArchive);
    this.functionsArchive = archive;
    this.functionsSource = new StorageBucketObject(this, 'functions-source', {
      bucket: this.sources.name,
      name: `functions/functions-${Fn.filemd5(archive.asString)}.zip`,
      source: archive.asString,
      contentType: 'application/zip',
    });
  }
}
