/**
 * A container's environment as the kubelet gives it (pure): the literal `env`
 * values and the downward API's `fieldRef` and `resourceFieldRef` values, in
 * order (a later entry wins), plus HOSTNAME. What a container runtime adds from
 * the image (PATH and the like) and what stands in for the cloud on this machine
 * (the local bucket, the emulators) come from the node, under the pod's own.
 */
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';

/** A variable the kubelet could not resolve: the container does not start (CreateContainerConfigError). */
export class PodEnvironmentError extends Error {
  override readonly name = 'PodEnvironmentError';
}

/**
 * The environment of `container` in `pod`, over the node's `base`. Without a
 * container runtime nothing is mounted: `mounts` maps a volume's mount path to the
 * folder standing in for it, and a value naming a path under a mount path names
 * the same path under its folder instead (TMPDIR=/scratch → <pod's folder>/scratch).
 */
export function containerEnvironment(
  pod: V1Pod,
  container: V1Container,
  base: Readonly<Record<string, string>>,
  mounts: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = { ...base, HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? '' };
  for (const variable of container.env ?? []) env[variable.name] = remount(resolve(variable, pod, container), mounts);
  return env;
}

/** `value` with a leading mount path replaced by the folder standing in for it. */
function remount(value: string, mounts: Readonly<Record<string, string>>): string {
  for (const [path, folder] of Object.entries(mounts)) {
    if (value === path || value.startsWith(`${path}/`)) return folder + value.slice(path.length);
  }
  return value;
}

function resolve(variable: V1EnvVar, pod: V1Pod, container: V1Container): string {
  if (variable.value !== undefined) return variable.value;
  const field = variable.valueFrom?.fieldRef?.fieldPath;
  if (field !== undefined) return fieldValue(pod, field, variable.name);
  const resource = variable.valueFrom?.resourceFieldRef;
  if (resource) return resourceValue(container, resource.resource, resource.divisor, variable.name);
  if (variable.valueFrom) {
    throw new PodEnvironmentError(`${variable.name}: the local node agent resolves literal values and the downward API only (no Secrets or ConfigMaps)`);
  }
  return '';
}

/** The downward API's pod fields (kubelet: podFieldSelectorRuntimeValue and ExtractFieldPathAsString). */
function fieldValue(pod: V1Pod, path: string, name: string): string {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return (keyed[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[keyed[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.podIP':
      return '127.0.0.1';
    default:
      throw new PodEnvironmentError(`${name}: unsupported fieldRef.fieldPath "${path}"`);
  }
}

/** limits.cpu / requests.memory and the like, divided by the divisor as the kubelet does (rounded up). */
function resourceValue(container: V1Container, resource: string, divisor: string | undefined, name: string): string {
  const [kind, key] = resource.split('.') as [string, string | undefined];
  const quantities = kind === 'limits' ? container.resources?.limits : kind === 'requests' ? container.resources?.requests : undefined;
  const quantity = key ? quantities?.[key] : undefined;
  if (quantity === undefined) throw new PodEnvironmentError(`${name}: the container sets no ${resource}`);
  return String(Math.ceil(quantityValue(quantity) / quantityValue(divisor ?? '1')));
}

const SUFFIX: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

function quantityValue(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) throw new PodEnvironmentError(`"${quantity}" is not a quantity the local node agent reads`);
  return Number(match[1]) * SUFFIX[match[2] ?? '']!;
}
