/**
 * Custom kernel images on the local fleet. No container engine runs here, so an
 * image cannot be pulled: the local fleet runs the worker runtime as a process
 * and the kernel's command in a folder standing in for the image's WORKDIR — the
 * image's build context. `altus.local-images.json` names that folder per image:
 *
 *     { "images": { "us-central1-docker.pkg.dev/p/altus/bachelier": "jobs/examples/bachelier" } }
 *
 * A key without a tag or digest matches every tag and digest of the repository.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

const fileSchema = z
  .object({
    $comment: z.string().optional(),
    images: z.record(z.string().min(1), z.string().min(1)),
  })
  .strict();

/** Image reference → absolute folder. */
export type LocalImages = ReadonlyMap<string, string>;

/** The local image table is unreadable or names a folder that does not exist. */
export class LocalImagesError extends Error {
  override readonly name = 'LocalImagesError';
}

/** Reads the table; folders are relative to the file. A missing file is an empty table. */
export function loadLocalImages(path: string): LocalImages {
  if (!existsSync(path)) return new Map();
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (cause) {
    throw new LocalImagesError(`${path} is not a local image table ({"images": {"<image>": "<folder>"}}): ${(cause as Error).message}`, { cause });
  }
  const images = new Map<string, string>();
  for (const [image, folder] of Object.entries(parsed.images)) {
    const absolute = isAbsolute(folder) ? folder : resolve(dirname(path), folder);
    if (!existsSync(absolute) || !statSync(absolute).isDirectory()) throw new LocalImagesError(`${path}: the folder ${folder} of ${image} does not exist`);
    images.set(image, absolute);
  }
  return images;
}

/** The folder standing in for `image`: the exact reference first, then its repository without tag or digest. */
export function resolveLocalImage(images: LocalImages, image: string): string | undefined {
  return images.get(image) ?? images.get(repositoryOf(image));
}

/** `host/path:tag@sha256:…` → `host/path` (a port in the host is kept). */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}
