/**
 * `npm run image`: builds and pushes the worker image with Cloud Build
 * (`gcloud builds submit`, infra/cloudbuild.yaml) into the repository the
 * stack created for the fleet configuration, as the altus-image-build service
 * account, and returns the pushed image by digest, the reference the fleet
 * configuration's `workerImage` should name. gcloud is injected.
 */
import type { FleetConfig } from '../shared/fleet-config.ts';
import { PLATFORM_ACCOUNT_IDS, registryFor } from './config.ts';

/** Runs a command and returns its standard output; throws when it fails. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<string>;

/** What one image build needs. */
export interface ImageBuildRequest {
  readonly fleet: FleetConfig;
  readonly tag: string;
  /** Repository root (the build context). */
  readonly sourceDir: string;
  /** Path of infra/cloudbuild.yaml. */
  readonly buildConfig: string;
}

/** The image build did not produce what was expected. */
export class ImageBuildError extends Error {
  override readonly name = 'ImageBuildError';
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The `gcloud builds submit` arguments of a build. */
export function imageBuildArgs(request: ImageBuildRequest): string[] {
  if (!TAG.test(request.tag)) throw new ImageBuildError(`"${request.tag}" is not a valid image tag`);
  const { project } = request.fleet;
  const { workerImage } = registryFor(request.fleet);
  return [
    'builds',
    'submit',
    request.sourceDir,
    `--project=${project}`,
    `--config=${request.buildConfig}`,
    `--substitutions=_IMAGE=${workerImage},_TAG=${request.tag}`,
    `--service-account=projects/${project}/serviceAccounts/${PLATFORM_ACCOUNT_IDS.imageBuild}@${project}.iam.gserviceaccount.com`,
    // Staged in the stack's own bucket, which the build account may read; not the default <project>_cloudbuild bucket.
    `--gcs-source-staging-dir=gs://${project}-altus-sources/image-source`,
    '--format=json',
  ];
}

/** The `image@sha256:…` reference of the tag a finished build pushed. */
export function pushedImage(request: ImageBuildRequest, buildJson: string): string {
  const { workerImage } = registryFor(request.fleet);
  const build = lastJsonObject(buildJson) as { status?: string; results?: { images?: Array<{ name?: string; digest?: string }> } } | undefined;
  if (!build) throw new ImageBuildError('gcloud builds submit did not print the build as JSON');
  if (build.status !== undefined && build.status !== 'SUCCESS') throw new ImageBuildError(`the build ended ${build.status}`);
  const pushed = build.results?.images?.find((i) => i.name === `${workerImage}:${request.tag}`);
  if (!pushed?.digest?.startsWith('sha256:')) throw new ImageBuildError(`the build reports no digest for ${workerImage}:${request.tag}`);
  return `${workerImage}@${pushed.digest}`;
}

/** The build resource gcloud prints last (streamed build logs may come before it). */
function lastJsonObject(output: string): unknown {
  for (let start = output.lastIndexOf('{'); start >= 0; start = output.lastIndexOf('{', start - 1)) {
    if (start > 0 && output[start - 1] !== '\n') continue;
    try {
      return JSON.parse(output.slice(start));
    } catch {
      // an inner brace, or log text: keep looking further up
    }
  }
  return undefined;
}

/** Builds, pushes and returns the pushed image by digest. */
export async function buildWorkerImage(request: ImageBuildRequest, run: CommandRunner): Promise<string> {
  return pushedImage(request, await run('gcloud', imageBuildArgs(request)));
}

/** The fleet configuration text with `workerImage` set to `image`, everything else as it was. */
export function pinWorkerImage(configText: string, image: string): string {
  const config = JSON.parse(configText) as Record<string, unknown>;
  config.workerImage = image;
  return `${JSON.stringify(config, null, 2)}\n`;
}
