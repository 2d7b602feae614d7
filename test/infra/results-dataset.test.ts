/**
 * The results dataset: a BigQuery dataset in the results bucket's location,
 * readable by the operators (the dashboard's viewers), who may also read the
 * result objects an external table over a run's folder reads; nobody else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset/index.js';
import { BigqueryDatasetIamMember } from '@cdktf/provider-google/lib/bigquery-dataset-iam-member/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { resultsDatasetId } from '../../infra/constructs/results-dataset.ts';
import { TEST_FLEET, resources, synthFleet } from './fleet-fixture.ts';

const operators = 'group:altus-operators@example.com';
const fleet = { ...TEST_FLEET, infra: { ...TEST_FLEET.infra, dashboardInvokers: [operators] } };
const { parsed } = synthFleet(fleet);

test('the dataset sits where the results bucket is, and the operators read it and the result objects', () => {
  const datasets = Object.values(resources(parsed, BigqueryDataset.tfResourceType));
  assert.equal(datasets.length, 1);
  const [dataset] = datasets;
  assert.equal(dataset!.dataset_id, resultsDatasetId(fleet.environment));
  const [bucketKey, bucket] = Object.entries(resources(parsed, 'google_storage_bucket')).find(([, b]) => /results/.test(String(b.name))) ?? [];
  assert.ok(bucket, 'the results bucket');
  assert.equal(String(dataset!.location).toLowerCase(), String(bucket.location).toLowerCase());

  const viewers = Object.values(resources(parsed, BigqueryDatasetIamMember.tfResourceType));
  assert.deepEqual(
    viewers.map((v) => [v.member, v.role]),
    [[operators, 'roles/bigquery.dataViewer']],
  );
  const objectGrants = Object.values(resources(parsed, StorageBucketIamMember.tfResourceType)).filter((g) => g.member === operators);
  assert.deepEqual(
    objectGrants.map((g) => [g.bucket, g.role]),
    [['${google_storage_bucket.' + bucketKey + '.name}', 'roles/storage.objectViewer']],
  );
  assert.ok(!JSON.stringify(parsed).includes('allUsers'), 'never public');
});
