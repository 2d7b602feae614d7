/**
 * A custom-kernel manifest for the tests of kernels without declared outputs: the
 * image of the test fleet's registry, one inline parameter set unless `extra` says
 * otherwise.
 */
export const IMAGE = 'us-central1-docker.pkg.dev/altus-demo-project/altus/pricer:1.0';

/** A run manifest with `kernel` (its image set), and `extra` over the defaults. */
export const manifest = (kernel: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'altus/v1',
  kind: 'Run',
  name: 'undeclared',
  kernel: { image: IMAGE, ...kernel },
  parameters: { inline: [{ x: 1 }] },
  ...extra,
});
