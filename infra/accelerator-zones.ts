/**
 * Which zones offer which GPU, for the accelerator types a GPU pool can name.
 * GKE refuses a node pool whose node locations include a zone without its
 * accelerator, so the stack checks every pool's `zones` against this table at
 * synth (`infra/config.ts`), before Terraform is ever run.
 *
 * Source: Google Cloud, "GPU regions and zone availability",
 * https://cloud.google.com/compute/docs/gpus/gpu-regions-zones, as recorded on
 * 2026-12-04. The search tool of this workplace holds Google's GPU model pages
 * (which link there) but not the zone table itself, so the rows below were
 * transcribed for the regions listed and are to be checked against the live page,
 * or against `gcloud compute accelerator-types list --filter="name=<type>"`,
 * which `altus doctor --cloud` runs for every configured pool. A zone missing from
 * this table fails the synth with the zones that do have the accelerator; a new
 * zone is one line here.
 */
import type { AcceleratorType } from '../shared/fleet-config.ts';

/** Where the table comes from and when it was recorded. */
export const ACCELERATOR_ZONES_SOURCE = {
  page: 'https://cloud.google.com/compute/docs/gpus/gpu-regions-zones',
  recorded: '2026-12-04',
} as const;

/** Zones offering each accelerator type, by region. */
export const ACCELERATOR_ZONES: Readonly<Record<AcceleratorType, readonly string[]>> = {
  // A3 High (H100 80GB).
  'nvidia-h100-80gb': [
    'us-central1-a', 'us-central1-c',
    'us-east4-a', 'us-east4-b', 'us-east4-c',
    'us-east5-a',
    'us-west1-a', 'us-west1-b',
    'europe-west1-b', 'europe-west1-c',
    'europe-west4-a', 'europe-west4-b', 'europe-west4-c',
    'asia-southeast1-b', 'asia-southeast1-c',
  ],
  // A2 Ultra (A100 80GB).
  'nvidia-a100-80gb': ['us-central1-a', 'us-central1-c', 'us-east4-c', 'us-east5-b', 'europe-west4-a', 'asia-southeast1-c'],
  // A2 Standard (A100 40GB).
  'nvidia-tesla-a100': [
    'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f',
    'us-east1-b',
    'us-west1-b',
    'us-west3-b',
    'us-west4-b',
    'europe-west4-a', 'europe-west4-b',
    'asia-northeast1-a', 'asia-northeast1-c',
    'asia-northeast3-a', 'asia-northeast3-b',
    'asia-southeast1-b', 'asia-southeast1-c',
    'me-west1-a', 'me-west1-c',
  ],
  // G2 (L4).
  'nvidia-l4': [
    'us-central1-a', 'us-central1-b', 'us-central1-c',
    'us-east1-b', 'us-east1-c', 'us-east1-d',
    'us-east4-a', 'us-east4-c',
    'us-west1-a', 'us-west1-b', 'us-west1-c',
    'europe-west1-b', 'europe-west1-c',
    'europe-west4-a', 'europe-west4-b', 'europe-west4-c',
    'asia-southeast1-a', 'asia-southeast1-b', 'asia-southeast1-c',
  ],
  // N1 with T4.
  'nvidia-tesla-t4': [
    'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f',
    'us-east1-c', 'us-east1-d',
    'us-east4-a', 'us-east4-b', 'us-east4-c',
    'us-west1-a', 'us-west1-b',
    'europe-west1-b', 'europe-west1-c', 'europe-west1-d',
    'europe-west4-a', 'europe-west4-b', 'europe-west4-c',
    'asia-southeast1-a', 'asia-southeast1-b', 'asia-southeast1-c',
  ],
};

/** Zones of `region` that offer `accelerator`, sorted. */
export function acceleratorZonesIn(accelerator: AcceleratorType, region: string): string[] {
  return ACCELERATOR_ZONES[accelerator].filter((zone) => zone.startsWith(`${region}-`)).sort();
}

/**
 * Machine types Compute Engine offers only as Spot or flex-start VMs (no on-demand
 * capacity): a pool of them with `spot: false` can never get a node.
 */
export const SPOT_OR_FLEX_ONLY_MACHINE_TYPES: readonly string[] = ['a3-highgpu-1g', 'a3-highgpu-2g', 'a3-highgpu-4g'];
