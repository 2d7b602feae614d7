/**
 * `npm run image` builds into the repository the stack creates for the fleet
 * configuration, as the image-build account, and yields the pushed digest the
 * fleet configuration then names. gcloud is replaced by a recorded runner.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { parseFleetConfig } from '../../shared/fleet-config.ts';
import { registryFor } from '../../infra/config.ts';
import { buildWorkerImage, ImageBuildError, imageBuildArgs, pinWorkerImage, pushedImage, type ImageBuildRequest } from '../../infra/image-build.ts';
import { TEST_FLEET, fleetWith } from './fleet-fixture.ts';

const request: ImageBuildRequest = { fleet: TEST_FLEET, tag: 'v1', sourceDir: '/repo', buildConfig: '/repo/infra/cloudbuild.yaml' };
const IMAGE = 'us-central1-docker.pkg.dev/altus-demo-project/altus/worker';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const build = (images: object[], status = 'SUCCESS') => JSON.stringify({ id: 'b1', status, results: { images } });

test('the build pushes to the repository the fleet configuration names, as the image-build account, staged in the sources bucket', () => {
  assert.deepEqual(imageBuildArgs(request), [
    'builds',
    'submit',
    '/repo',
    '--project=altus-demo-project',
    '--config=/repo/infra/cloudbuild.yaml',
    `--substitutions=_IMAGE=${IMAGE},_TAG=v1`,
    '--service-account=projects/altus-demo-project/serviceAccounts/altus-image-build@altus-demo-project.iam.gserviceaccount.com',
    '--gcs-source-staging-dir=gs://altus-demo-project-altus-sources/image-source',
    '--format=json',
  ]);
  assert.throws(() => imageBuildArgs({ ...request, tag: 'not a tag' }), ImageBuildError);
});

test('the result is the pushed tag by digest; a failed build or a missing digest is an error', async () => {
  const calls: Array<[string, readonly string[]]> = [];
  const image = await buildWorkerImage(request, async (command, args) => {
    calls.push([command, args]);
    return build([
      { name: `${IMAGE}:v1`, digest: DIGEST },
      { name: `${IMAGE}:latest`, digest: DIGEST },
    ]);
  });
  assert.equal(image, `${IMAGE}@${DIGEST}`);
  assert.deepEqual(
    calls.map(([command]) => command),
    ['gcloud'],
  );
  assert.throws(() => pushedImage(request, build([], 'FAILURE')), /ended FAILURE/);
  assert.throws(() => pushedImage(request, build([{ name: `${IMAGE}:latest`, digest: DIGEST }])), /no digest/);
  assert.throws(() => pushedImage(request, 'Created [https://cloudbuild...]'), ImageBuildError);
  // Streamed build logs before the build resource do not get in the way.
  const streamed = `------ REMOTE BUILD OUTPUT ------\nStep #0 - "build": {"not": "the build"}\n${JSON.stringify(JSON.parse(build([{ name: `${IMAGE}:v1`, digest: DIGEST }])), null, 2)}\n`;
  assert.equal(pushedImage(request, streamed), `${IMAGE}@${DIGEST}`);
});

test('pinning writes the digest into workerImage and keeps the configuration valid', () => {
  const text = pinWorkerImage(readFileSync(TEST_FLEET_CONFIG, 'utf8'), `${IMAGE}@${DIGEST}`);
  const pinned = parseFleetConfig(JSON.parse(text));
  assert.equal(pinned.workerImage, `${IMAGE}@${DIGEST}`);
  assert.deepEqual({ ...pinned, workerImage: TEST_FLEET.workerImage }, TEST_FLEET);
  assert.ok(pinned.allowedImageRegistries.some((prefix) => pinned.workerImage.startsWith(prefix)));
});

test('the repository follows workerImage when it points into the project; otherwise it is altus in the hub region', () => {
  assert.deepEqual(registryFor(TEST_FLEET), { location: 'us-central1', repositoryId: 'altus', workerImage: IMAGE });
  const elsewhere = fleetWith((raw) => (raw.workerImage = 'ghcr.io/acme/altus-worker:1.0'));
  assert.deepEqual(registryFor(elsewhere), {
    location: 'us-east1',
    repositoryId: 'altus',
    workerImage: 'us-east1-docker.pkg.dev/altus-demo-project/altus/worker',
  });
});
