/**
 * Which zones offer which GPU, for the accelerator types a GPU pool can name.
 * GKE refuses a node pool whose node locations include a zone without its
 * accelerator, so the stack checks every pool's `zones` against this table at
 * synth (`infra/config.ts`), before Terraform is ever run.
 *
 * Source of record: Google Cloud, "GPU regions and zone availability",
 * https://cloud.google.com/compute/docs/gpus/gpu-regions-zones. That page itself is
 * not among the pages the search tool of this workplace holds (searched
 * 2026-12-04: "GPU regions and zones", "gpu-regions-zones", per-type zone queries;
 * only Google's GPU model pages, which link to it, came back), so it could not be
 * read here.
 *
 * What each row was checked against instead, on 2026-12-04: SkyPilot's published
 * Google Cloud catalog, skypilot-org/skypilot-catalog `catalogs/v8/gcp/vms.csv` at
 * commit 006059e0f18acb1341e22a27751e9f80df6ba92f, a machine-generated table with one
 * row per machine type (or N1 accelerator count) and zone. Per row, for the regions
 * listed here only (other regions' zones were not transcribed):
 *
 * - `nvidia-h100-80gb`: the zones of a3-highgpu-1g/2g/4g/8g and a3-megagpu-8g
 *   (identical in these regions). Corrected: us-central1-b added; europe-west4-a
 *   removed (no A3 H100 machine type there; europe-west4-a has only a3-ultragpu, H200).
 * - `nvidia-a100-80gb`: a2-ultragpu-1g. Corrected: us-east5-a added.
 * - `nvidia-tesla-a100`: a2-highgpu-1g. Corrected: asia-southeast1-a added.
 * - `nvidia-l4`: g2-standard-4 and the catalog's L4 rows. No change.
 * - `nvidia-tesla-t4`: the catalog's T4 rows (N1). Corrected: us-east1-b added.
 *
 * A secondary source can lag or lead Google's page, and a project may see fewer
 * zones than the catalog lists: `altus doctor --cloud` runs
 * `acceleratorTypes.aggregatedList` for every configured pool and reports what the
 * project really sees. A zone missing from this table fails the synth with the
 * zones that do have the accelerator; a new zone is one line here.
 */
import type { AcceleratorType } from '../shared/fleet-config.ts';

/** Where the table comes from and when it was recorded. */
export const ACCELERATOR_ZONES_SOURCE = {
  page: 'https://cloud.google.com/compute/docs/gpus/gpu-regions-zones',
  recorded: '2026-12-04',
  /** What the rows were checked against (the page above could not be read here; see the header). */
  checkedAgainst: 'skypilot-org/skypilot-catalog catalogs/v8/gcp/vms.csv @ 006059e0f18acb1341e22a27751e9f80df6ba92f',
} as const;

/** Zones offering each accelerator type, by region. */
export const ACCELERATOR_ZONES: Readonly<Record<AcceleratorType, readonly string[]>> = {
  // A3 High and Mega (H100 80GB).
  'nvidia-h100-80gb': [
    'us-central1-a',
    'us-central1-b',
    'us-central1-c',
    'us-east4-a',
    'us-east4-b',
    'us-east4-c',
    'us-east5-a',
    'us-west1-a',
    'us-west1-b',
    'europe-west1-b',
    'europe-west1-c',
    'europe-west4-b',
    'europe-west4-c',
    'asia-southeast1-b',
    'asia-southeast1-c',
  ],
  // A2 Ultra (A100 80GB).
  'nvidia-a100-80gb': ['us-central1-a', 'us-central1-c', 'us-east4-c', 'us-east5-a', 'us-east5-b', 'europe-west4-a', 'asia-southeast1-c'],
  // A2 Standard (A100 40GB).
  'nvidia-tesla-a100': [
    'us-central1-a',
    'us-central1-b',
    'us-central1-c',
    'us-central1-f',
    'us-east1-b',
    'us-west1-b',
    'us-west3-b',
    'us-west4-b',
    'europe-west4-a',
    'europe-west4-b',
    'asia-northeast1-a',
    'asia-northeast1-c',
    'asia-northeast3-a',
    'asia-northeast3-b',
    'asia-southeast1-a',
    'asia-southeast1-b',
    'asia-southeast1-c',
    'me-west1-a',
    'me-west1-c',
  ],
  // G2 (L4).
  'nvidia-l4': [
    'us-central1-a',
    'us-central1-b',
    'us-central1-c',
    'us-east1-b',
    'us-east1-c',
    'us-east1-d',
    'us-east4-a',
    'us-east4-c',
    'us-west1-a',
    'us-west1-b',
    'us-west1-c',
    'europe-west1-b',
    'europe-west1-c',
    'europe-west4-a',
    'europe-west4-b',
    'europe-west4-c',
    'asia-southeast1-a',
    'asia-southeast1-b',
    'asia-southeast1-c',
  ],
  // N1 with T4.
  'nvidia-tesla-t4': [
    'us-central1-a',
    'us-central1-b',
    'us-central1-c',
    'us-central1-f',
    'us-east1-b',
    'us-east1-c',
    'us-east1-d',
    'us-east4-a',
    'us-east4-b',
    'us-east4-c',
    'us-west1-a',
    'us-west1-b',
    'europe-west1-b',
    'europe-west1-c',
    'europe-west1-d',
    'europe-west4-a',
    'europe-west4-b',
    'europe-west4-c',
    'asia-southeast1-a',
    'asia-southeast1-b',
    'asia-southeast1-c',
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
