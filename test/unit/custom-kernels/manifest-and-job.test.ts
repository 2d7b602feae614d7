/**
 * Custom kernels at ingest and dispatch: the manifest shape, the registry rule
 * (REJECTED with IMAGE_NOT_ALLOWED naming the allowed registries), the Job that
 * runs the image with the worker entrypoint and the command as args, the local
 * fleet's admission and its image folders.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { buildJob, WORKER_ENTRYPOINT } from '../../../jobs/fleet/job-builder.ts';
import { loadLocalImages, repositoryOf, resolveLocalImage } from '../../../jobs/fleet/local/local-images.ts';
import { decodeManifestBytes } from '../../../jobs/planning/decode.ts';
import { validateManifest } from '../../../jobs/planning/validate.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { imageFromRegistry } from '../../../shared/custom-kernel.ts';
import { PermanentError } from '../../../shared/errors.ts';
import { loadFleetConfig, parseFleetConfig } from '../../../shared/fleet-config.ts';
import { clusterNamed, jobRequest } from '../../support/fleet-fixtures.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const IMAGE = 'us-central1-docker.pkg.dev/altus-demo-project/altus/bachelier:1.0';
const kernel = { image: IMAGE, command: ['python3', 'kernel.py'], outputs: ['price', 'delta'] };
const manifest = (k: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'altus/v1',
  kind: 'Run',
  name: 'custom',
  kernel: k,
  parameters: { inline: [{ anything: 'goes', n: 1 }] },
  ...extra,
});
const rejection = (value: unknown) => {
  try {
    validateManifest(value, fleet);
  } catch (error) {
    assert.ok(error instanceof PermanentError, String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a rejection');
};

test('the example manifest in jobs/examples/bachelier is valid: 232 parameter sets, its outputs, no kernel options', () => {
  const v = validateManifest(decodeManifestBytes(readFileSync(new URL('../../../jobs/examples/bachelier/manifest.json', import.meta.url))), fleet);
  assert.equal(v.kernel, null);
  assert.equal(v.parameterCount, 232);
  assert.deepEqual(v.metrics, ['price', 'vega']);
  assert.deepEqual(v.kernelOptions, {});
});

test('a custom kernel aggregates every declared output by default; parameter sets are not checked against any kernel', () => {
  const v = validateManifest(manifest(kernel), fleet);
  assert.deepEqual(v.metrics, ['price', 'delta']);
  assert.deepEqual(v.manifest.kernel, kernel);
});

const invalid: Array<[string, unknown, RegExp]> = [
  ['empty command', { ...kernel, command: [] }, /kernel\.command: give the program to run/],
  ['command of non-strings', { ...kernel, command: ['python3', 3] }, /kernel\.command\.1/],
  ['empty program', { ...kernel, command: [''] }, /kernel\.command: the program/],
  ['command as a string', { ...kernel, command: 'python3 kernel.py' }, /kernel\.command/],
  ['empty outputs', { ...kernel, outputs: [] }, /kernel\.outputs: name at least one output/],
  ['an output that could reach a prototype', { ...kernel, outputs: ['constructor'] }, /kernel\.outputs\.0: __proto__, constructor, prototype are not allowed/],
  ['reserved output name', { ...kernel, outputs: ['index'] }, /reserved/],
  ['duplicate outputs', { ...kernel, outputs: ['a', 'a'] }, /unique/],
  ['image without registry host', { ...kernel, image: 'python:3.12' }, /kernel\.image: a full image reference/],
  ['image and name together', { ...kernel, name: 'black-scholes' }, /kernel: unknown field\(s\) "name"/],
  ['unknown field', { ...kernel, options: {} }, /kernel: unknown field\(s\) "options"/],
];
for (const [name, block, says] of invalid) {
  test(`MANIFEST_INVALID: ${name}`, () => {
    const { code, message } = rejection(manifest(block));
    assert.equal(code, 'MANIFEST_INVALID');
    assert.match(message, says);
  });
}

test('a metric the custom kernel does not declare is MANIFEST_INVALID', () => {
  const { code, message } = rejection(manifest(kernel, { aggregate: { metrics: ['gamma'] } }));
  assert.equal(code, 'MANIFEST_INVALID');
  assert.match(message, /"gamma" not produced by the custom kernel \(kernel\.outputs\); its outputs are price, delta/);
});

test('an image outside allowedImageRegistries is IMAGE_NOT_ALLOWED, naming the allowed registries', () => {
  for (const image of [
    'docker.io/acme/kernel:1',
    'us-central1-docker.pkg.dev/altus-demo-project-evil/k/x:1',
    'europe-docker.pkg.dev/altus-demo-project/altus/k:1',
  ]) {
    const { code, message } = rejection(manifest({ ...kernel, image }));
    assert.equal(code, 'IMAGE_NOT_ALLOWED', image);
    assert.match(message, /push it under one of: us-central1-docker\.pkg\.dev\/altus-demo-project\//);
  }
  const closed = parseFleetConfig({ ...JSON.parse(readFileSync(TEST_FLEET_CONFIG, 'utf8')), allowedImageRegistries: [] });
  assert.throws(() => validateManifest(manifest(kernel), closed), /allows no custom kernel images/);
});

test('a registry prefix without a trailing slash matches only at a boundary', () => {
  const prefix = 'us-central1-docker.pkg.dev/acme';
  assert.equal(imageFromRegistry('us-central1-docker.pkg.dev/acme/k:1', prefix), true);
  assert.equal(imageFromRegistry('us-central1-docker.pkg.dev/acme-evil/k:1', prefix), false);
  assert.equal(imageFromRegistry('us-central1-docker.pkg.dev/acme-evil/k:1', 'us-central1-docker.pkg.dev/acme/'), false);
});

test('the Job runs the custom image with the worker entrypoint as command and kernel.command as args', () => {
  const cluster = clusterNamed(fleet, 'worker-a');
  const job = buildJob(jobRequest({ fleet, cluster, customKernel: kernel }));
  const container = job.spec!.template.spec!.containers[0]!;
  assert.equal(container.image, IMAGE);
  assert.deepEqual(container.command, ['node', '--max-old-space-size=128', '/opt/altus/jobs/worker/entrypoint.mjs']);
  assert.deepEqual(container.args, ['python3', 'kernel.py']);
  assert.deepEqual(fleetAdmission(fleet)(job), [], 'the local fleet (and the API server rules) admit it');
  const builtIn = buildJob(jobRequest({ fleet, cluster })).spec!.template.spec!.containers[0]!;
  assert.equal(builtIn.image, fleet.workerImage);
  assert.equal(builtIn.command, undefined);
  assert.equal(builtIn.args, undefined);
});

test('the worker image and the Job agree on the entrypoint', () => {
  const dockerfile = readFileSync(new URL('../../../jobs/Dockerfile', import.meta.url), 'utf8');
  assert.match(
    dockerfile,
    new RegExp(
      `^ENTRYPOINT ${JSON.stringify(WORKER_ENTRYPOINT)
        .replaceAll(',', ', ')
        .replace(/[[\]/.]/g, '\\$&')}$`,
      'm',
    ),
  );
  assert.match(dockerfile, /^WORKDIR \/opt\/altus$/m);
});

test('the local fleet refuses a Job whose image is from a registry the fleet does not allow', () => {
  const job = buildJob(jobRequest({ fleet, cluster: clusterNamed(fleet, 'worker-a'), customKernel: { ...kernel, image: 'docker.io/acme/kernel:1' } }));
  assert.match(
    fleetAdmission(fleet)(job).join('\n'),
    /containers\[0\]\.image: "docker\.io\/acme\/kernel:1" is neither the worker image nor from an allowed registry/,
  );
});

test('local image folders: exact reference first, then the repository for any tag or digest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'altus-images-'));
  const table = join(dir, 'images.json');
  writeFileSync(table, JSON.stringify({ images: { 'localhost:5000/k/a': '.', 'r.io/p/b:2': '.' } }));
  const images = loadLocalImages(table);
  assert.equal(resolveLocalImage(images, 'localhost:5000/k/a:7'), dir);
  assert.equal(resolveLocalImage(images, `localhost:5000/k/a@sha256:${'b'.repeat(64)}`), dir);
  assert.equal(resolveLocalImage(images, 'r.io/p/b:2'), dir);
  assert.equal(resolveLocalImage(images, 'r.io/p/b:3'), undefined);
  assert.equal(repositoryOf('localhost:5000/k/a'), 'localhost:5000/k/a');
  writeFileSync(table, JSON.stringify({ images: { 'r.io/p/c': 'missing' } }));
  assert.throws(() => loadLocalImages(table), /the folder missing of r\.io\/p\/c does not exist/);
  assert.equal(loadLocalImages(join(dir, 'absent.json')).size, 0);
  const repoTable = loadLocalImages(new URL('../../../altus.local-images.json', import.meta.url).pathname);
  assert.match(resolveLocalImage(repoTable, IMAGE) ?? '', /jobs\/examples\/bachelier$/);
});
