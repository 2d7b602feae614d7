/**
 * The results dataset: a BigQuery dataset, beside the results bucket and in its
 * location, where operators define external tables over runs' Parquet folders
 * (`results/run_id=<runId>/`) and query them in place. The run document carries
 * a ready `bq` command per run; this gives the operators (the dashboard's viewers)
 * read access to the dataset and to the result objects such tables read.
 */
import { Construct } from 'constructs';
import { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset/index.js';
import { BigqueryDatasetIamMember } from '@cdktf/provider-google/lib/bigquery-dataset-iam-member/index.js';
import { ProjectService } from '@cdktf/provider-google/lib/project-service/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import type { Cmek } from './kms.ts';

/** Props of {@link ResultsDataset}. */
export interface ResultsDatasetProps {
  readonly project: string;
  readonly environment: string;
  /** The results bucket's location: external tables must live where their data does. */
  readonly location: string;
  readonly resultsBucket: StorageBucket;
  /** Members (`group:…`) who read results: the operators. */
  readonly readers: readonly string[];
  /** Default key of the dataset's tables (CMEK on). */
  readonly cmek?: Cmek;
}

/** The dataset id of an environment's results dataset. */
export function resultsDatasetId(environment: string): string {
  return `altus_${environment.replace(/[^A-Za-z0-9_]/g, '_')}_results`;
}

/** The BigQuery dataset and its readers. */
export class ResultsDataset extends Construct {
  readonly dataset: BigqueryDataset;

  constructor(scope: Construct, id: string, props: ResultsDatasetProps) {
    super(scope, id);
    const { project } = props;
    const api = new ProjectService(this, 'bigquery', { project, service: 'bigquery.googleapis.com', disableOnDestroy: false, disableDependentServices: false });
    this.dataset = new BigqueryDataset(this, 'dataset', {
      project,
      datasetId: resultsDatasetId(props.environment),
      location: props.location,
      friendlyName: 'Altus run results',
      description: 'External tables over the Parquet results of Altus runs (gs://<results bucket>/results/run_id=<runId>/*.parquet).',
      // Tables here only point at objects; deleting the dataset never deletes results.
      deleteContentsOnDestroy: true,
      labels: { app: 'altus' },
      ...(props.cmek ? { defaultEncryptionConfiguration: { kmsKeyName: props.cmek.keyName } } : {}),
      dependsOn: [api, ...(props.cmek ? [props.cmek.ready] : [])],
    });
    for (const member of props.readers) {
      const key = member.replace(/[^a-zA-Z0-9]+/g, '-');
      new BigqueryDatasetIamMember(this, `viewer-${key}`, { project, datasetId: this.dataset.datasetId, role: 'roles/bigquery.dataViewer', member });
      new StorageBucketIamMember(this, `objects-${key}`, { bucket: props.resultsBucket.name, role: 'roles/storage.objectViewer', member });
    }
  }
}
