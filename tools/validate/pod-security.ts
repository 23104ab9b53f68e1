/**
 * Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/, policy
 * version v1.28, the `enforce-version` the baseline layer sets): the checks Pod Security Admission runs on
 * a Pod, applied to the pod template of every workload, so that a chart whose pods the namespace's
 * `pod-security.kubernetes.io/enforce` level would reject is caught before Argo CD syncs it (where it would
 * show as a Deployment that never gets a Pod).
 */
import { isObject, type JsonObject } from './common';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface PodSecurityViolation {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly level: PodSecurityLevel;
  /** What is not allowed, as PSA's message says it: `hostPath volumes (volume "root")`. */
  readonly message: string;
}

/** Where the pod spec is in each workload kind (Rollout: Argo Rollouts' Deployment-like CRD). */
export function podTemplateSpec(obj: JsonObject): JsonObject | undefined {
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  if (!spec) return undefined;
  switch (obj.kind) {
    case 'Pod':
      return spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
    case 'Rollout':
      return isObject(spec.template) && isObject(spec.template.spec) ? spec.template.spec : undefined;
    case 'CronJob': {
      const job = isObject(spec.jobTemplate) && isObject(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
      return job && isObject(job.template) && isObject(job.template.spec) ? job.template.spec : undefined;
    }
    default:
      return undefined;
  }
}

function podAnnotations(obj: JsonObject): Record<string, unknown> {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const meta =
    obj.kind === 'Pod'
      ? obj.metadata
      : obj.kind === 'CronJob'
        ? (isObject(spec.jobTemplate) && isObject(spec.jobTemplate.spec) && isObject(spec.jobTemplate.spec.template) ? spec.jobTemplate.spec.template.metadata : undefined)
        : isObject(spec.template) ? spec.template.metadata : undefined;
  return isObject(meta) && isObject(meta.annotations) ? meta.annotations : {};
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

interface Container {
  readonly name: string;
  readonly sc: JsonObject;
  readonly raw: JsonObject;
}

function containersOf(spec: JsonObject): Container[] {
  const out: Container[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list.filter(isObject)) out.push({ name: String(c.name), sc: isObject(c.securityContext) ? c.securityContext : {}, raw: c });
  }
  return out;
}

function names(cs: readonly Container[]): string {
  return cs.map((c) => `"${c.name}"`).join(', ');
}

function caps(sc: JsonObject, field: 'add' | 'drop'): string[] {
  const c = isObject(sc.capabilities) ? sc.capabilities : {};
  return Array.isArray(c[field]) ? c[field].map(String) : [];
}

function seOptions(sc: JsonObject): JsonObject | undefined {
  return isObject(sc.seLinuxOptions) ? sc.seLinuxOptions : undefined;
}

/** What the baseline level forbids in this pod (one message per rule broken). */
function baselineIssues(spec: JsonObject, annotations: Record<string, unknown>): string[] {
  const out: string[] = [];
  const podSc = isObject(spec.securityContext) ? spec.securityContext : {};
  const cs = containersOf(spec);
  const hostProcess = (sc: JsonObject) => isObject(sc.windowsOptions) && sc.windowsOptions.hostProcess === true;
  if (hostProcess(podSc) || cs.some((c) => hostProcess(c.sc))) out.push('hostProcess');
  const hostNs = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => spec[f] === true);
  if (hostNs.length) out.push(`host namespaces (${hostNs.map((f) => `${f}=true`).join(', ')})`);
  const privileged = cs.filter((c) => c.sc.privileged === true);
  if (privileged.length) out.push(`privileged (containers ${names(privileged)} must not set securityContext.privileged=true)`);
  const badCaps = cs.flatMap((c) => caps(c.sc, 'add').filter((x) => !BASELINE_CAPABILITIES.has(x)).map((x) => `${c.name}: ${x}`));
  if (badCaps.length) out.push(`non-default capabilities (${badCaps.join(', ')})`);
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isObject) : [];
  const hostPath = volumes.filter((v) => v.hostPath !== undefined);
  if (hostPath.length) out.push(`hostPath volumes (${hostPath.map((v) => `"${String(v.name)}"`).join(', ')})`);
  const hostPorts = cs.flatMap((c) => (Array.isArray(c.raw.ports) ? c.raw.ports.filter(isObject) : []).filter((p) => typeof p.hostPort === 'number' && p.hostPort !== 0).map((p) => `${c.name}: ${String(p.hostPort)}`));
  if (hostPorts.length) out.push(`hostPort (${hostPorts.join(', ')})`);
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !(typeof v === 'string' && v.startsWith('localhost/'))) {
      out.push(`forbidden AppArmor profile (${k}="${String(v)}")`);
    }
  }
  const seBad = [podSc, ...cs.map((c) => c.sc)].map(seOptions).filter((o): o is JsonObject => o !== undefined)
    .filter((o) => !SELINUX_TYPES.has(typeof o.type === 'string' ? o.type : '') || (o.user ?? '') !== '' || (o.role ?? '') !== '');
  if (seBad.length) out.push('seLinuxOptions (type, user or role not allowed)');
  const procMount = cs.filter((c) => c.sc.procMount !== undefined && c.sc.procMount !== 'Default');
  if (procMount.length) out.push(`procMount (containers ${names(procMount)} must use Default)`);
  const unconfined = (sc: JsonObject) => isObject(sc.seccompProfile) && sc.seccompProfile.type === 'Unconfined';
  if (unconfined(podSc) || cs.some((c) => unconfined(c.sc))) out.push('seccompProfile (Unconfined is not allowed)');
  const sysctls = Array.isArray(podSc.sysctls) ? podSc.sysctls.filter(isObject).map((s) => String(s.name)).filter((n) => !SAFE_SYSCTLS.has(n)) : [];
  if (sysctls.length) out.push(`forbidden sysctls (${sysctls.join(', ')})`);
  return out;
}

/** What the restricted level forbids on top of baseline. */
function restrictedIssues(spec: JsonObject): string[] {
  const out: string[] = [];
  const podSc = isObject(spec.securityContext) ? spec.securityContext : {};
  const cs = containersOf(spec);
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isObject) : [];
  const badVolumes = volumes.filter((v) => !Object.keys(v).some((k) => RESTRICTED_VOLUMES.has(k)));
  if (badVolumes.length) out.push(`restricted volume types (${badVolumes.map((v) => `"${String(v.name)}"`).join(', ')})`);
  const escalation = cs.filter((c) => c.sc.allowPrivilegeEscalation !== false);
  if (escalation.length) out.push(`allowPrivilegeEscalation != false (containers ${names(escalation)} must set securityContext.allowPrivilegeEscalation=false)`);
  const explicitRoot = cs.filter((c) => c.sc.runAsNonRoot === false);
  const unsetNonRoot = podSc.runAsNonRoot === true ? [] : cs.filter((c) => c.sc.runAsNonRoot !== true);
  if (podSc.runAsNonRoot === false || explicitRoot.length || unsetNonRoot.length) {
    out.push(`runAsNonRoot != true (pod or containers ${names([...new Set([...explicitRoot, ...unsetNonRoot])])} must set securityContext.runAsNonRoot=true)`);
  }
  const rootUser = [podSc, ...cs.map((c) => c.sc)].some((sc) => sc.runAsUser === 0);
  if (rootUser) out.push('runAsUser=0');
  const profile = (sc: JsonObject) => (isObject(sc.seccompProfile) ? sc.seccompProfile.type : undefined);
  const podProfileOk = profile(podSc) === 'RuntimeDefault' || profile(podSc) === 'Localhost';
  const badSeccomp = cs.filter((c) => {
    const p = profile(c.sc);
    return p === undefined ? !podProfileOk : p !== 'RuntimeDefault' && p !== 'Localhost';
  });
  if (badSeccomp.length) out.push(`seccompProfile (pod or containers ${names(badSeccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`);
  const noDrop = cs.filter((c) => !caps(c.sc, 'drop').includes('ALL'));
  if (noDrop.length) out.push(`unrestricted capabilities (containers ${names(noDrop)} must set securityContext.capabilities.drop=["ALL"])`);
  const added = cs.flatMap((c) => caps(c.sc, 'add').filter((x) => x !== 'NET_BIND_SERVICE').map((x) => `${c.name}: ${x}`));
  if (added.length) out.push(`unrestricted capabilities (only NET_BIND_SERVICE may be added; ${added.join(', ')})`);
  return out;
}

/** The Pod Security violations of one object at the given level (none for non-workloads and `privileged`). */
export function podSecurityViolations(obj: JsonObject, level: PodSecurityLevel, namespace: string): PodSecurityViolation[] {
  const spec = podTemplateSpec(obj);
  if (!spec || level === 'privileged') return [];
  const messages = [...baselineIssues(spec, podAnnotations(obj)), ...(level === 'restricted' ? restrictedIssues(spec) : [])];
  const name = isObject(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '<unnamed>';
  return messages.map((message) => ({ kind: String(obj.kind), namespace, name, level, message }));
}

/** `pod-security.kubernetes.io/enforce` of each Namespace object (`privileged` when unlabelled, as PSA does). */
export function enforceLevels(objects: readonly unknown[]): Map<string, PodSecurityLevel> {
  const out = new Map<string, PodSecurityLevel>();
  for (const o of objects) {
    if (!isObject(o) || o.kind !== 'Namespace' || !isObject(o.metadata) || typeof o.metadata.name !== 'string') continue;
    const labels = isObject(o.metadata.labels) ? o.metadata.labels : {};
    const level = labels['pod-security.kubernetes.io/enforce'];
    out.set(o.metadata.name, level === 'baseline' || level === 'restricted' ? level : 'privileged');
  }
  return out;
}

export function formatViolation(v: PodSecurityViolation): string {
  return `${v.kind} ${v.namespace}/${v.name} violates PodSecurity "${v.level}": ${v.message}`;
}
