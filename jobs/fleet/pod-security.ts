/**
 * The `restricted` Pod Security Standard as the PodSecurity admission plugin
 * checks it (k8s.io/pod-security-admission `policy/check_*.go`), for the fields
 * a pod template can get wrong, as a pure function. The Job controller's pods
 * are refused by a namespace that enforces `restricted` (the Job then shows
 * FailedCreate events and never runs), so the builder's template is held to it.
 */
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';

/** Volume types `restricted` allows (check_restrictedVolumes.go). */
const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'] as const;

/** Problems, in the plugin's words, that would make a `restricted` namespace refuse pods of this spec. */
export function restrictedProblems(spec: V1PodSpec): string[] {
  const problems: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers: V1Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push('host namespaces (hostNetwork=true, hostPID=true or hostIPC=true)');
  for (const volume of spec.volumes ?? []) {
    const types = Object.keys(volume).filter((k) => k !== 'name');
    const refused = types.filter((t) => !(ALLOWED_VOLUMES as readonly string[]).includes(t));
    if (refused.length) problems.push(`restricted volume types (volume "${volume.name}" uses ${refused.join(', ')})`);
  }
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const at = `container "${c.name}"`;
    if (sc.privileged) problems.push(`privileged (${at} must not set securityContext.privileged=true)`);
    if (sc.allowPrivilegeEscalation !== false)
      problems.push(`allowPrivilegeEscalation != false (${at} must set securityContext.allowPrivilegeEscalation=false)`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`unrestricted capabilities (${at} must set securityContext.capabilities.drop=["ALL"])`);
    const added = (sc.capabilities?.add ?? []).filter((a) => a !== 'NET_BIND_SERVICE');
    if (added.length) problems.push(`unrestricted capabilities (${at} must not include ${added.join(', ')} in securityContext.capabilities.add)`);
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (sc.runAsNonRoot === false || nonRoot !== true) problems.push(`runAsNonRoot != true (pod or ${at} must set securityContext.runAsNonRoot=true)`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`runAsUser=0 (${at} must not set runAsUser=0)`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`seccompProfile (pod or ${at} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`);
    if ((c.ports ?? []).some((p) => p.hostPort)) problems.push(`hostPort (${at} uses a host port)`);
  }
  if (pod.runAsUser === 0) problems.push('runAsUser=0 (pod must not set runAsUser=0)');
  return problems;
}
