/**
 * The platform's invariants as Kyverno ClusterPolicies with CEL rules (`validate.cel`), one policy per invariant
 * so that the violations per policy on the dashboard name the invariant:
 * - edge-pinned-images: every image has a version tag other than `latest`, or a digest;
 * - edge-allowed-registries: every image comes from the fleet's own registry or an upstream registry a pinned
 *   image or chart uses (lib/model/versions.ts);
 * - edge-non-root: runAsNonRoot, not privileged, no privilege escalation;
 * - edge-resources: CPU and memory requests and limits on every container;
 * - edge-host-namespaces: no hostNetwork/hostPID/hostIPC and no hostPath volume.
 * The last two concern how a pod runs, so they spare the namespaces whose Pod Security level is `privileged`
 * (each declared with a documented reason by its layer: the node agents). Every policy covers only the site's
 * own namespaces (what the layers declare), never kube-system or Kyverno's own namespace.
 *
 * Each invariant is checked twice (docs/decisions/0027-admission-policies.md): on Pods with `Enforce` (what the
 * kubelet would run, after the LimitRange defaults), and on the pod controllers Argo CD applies with `Audit`
 * (a violation shows up in the PolicyReport and the metrics without blocking a sync). Kyverno's autogen is off:
 * the controllers are matched explicitly and `variables.podSpec` picks their pod template.
 *
 * Only the CEL standard library and the strings extension are used (split, contains, startsWith, endsWith),
 * which both Kyverno's Kubernetes CEL environment and the npm engine of the test harness (tools/policy) have.
 */
import { AUTOGEN_ANNOTATION } from './names';

export type FailureAction = 'Enforce' | 'Audit';

export interface CelExpression {
  readonly expression: string;
  readonly message: string;
}

/** Which of the site's namespaces an invariant applies in. */
export enum PolicyScope {
  /** Every namespace the site's layers declare. */
  ALL = 'all',
  /** Namespaces whose Pod Security level is not `privileged`. */
  UNPRIVILEGED = 'unprivileged',
}

export interface Invariant {
  /** ClusterPolicy name (stable: the dashboard and the alerts show it). */
  readonly name: string;
  readonly title: string;
  readonly scope: PolicyScope;
  /** Variables the expressions use besides the shared ones (`podSpec`, `containers`, `resourcedContainers`). */
  readonly variables?: readonly { readonly name: string; readonly expression: string }[];
  readonly expressions: readonly CelExpression[];
}

/** What the policies of one site depend on. */
export interface PolicyInputs {
  /** Image reference prefixes (`<registry host>/` or the fleet's `<registry>/<namespace>/`), sorted. */
  readonly allowedImagePrefixes: readonly string[];
  /** Namespaces per scope, sorted. */
  readonly namespaces: Readonly<Record<PolicyScope, readonly string[]>>;
  /** Argo Rollouts' `Rollout` is served at the site (Kyverno refuses a policy that names an unknown kind). */
  readonly rollouts: boolean;
}

/** Pod controllers whose pod template the audit rules check (group/version/kind, as Kyverno spells kinds). */
export const POD_CONTROLLER_KINDS = ['apps/v1/DaemonSet', 'apps/v1/Deployment', 'apps/v1/StatefulSet', 'batch/v1/CronJob', 'batch/v1/Job'] as const;
export const ROLLOUT_KIND = 'argoproj.io/v1alpha1/Rollout';

/** The pod spec of a Pod, a CronJob (job template) or any other controller (`spec.template`). */
const POD_SPEC =
  "object.kind == 'Pod' ? object.spec : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)";
const list = (field: string): string => `(has(variables.podSpec.${field}) ? variables.podSpec.${field} : [])`;
const SHARED_VARIABLES = [
  { name: 'podSpec', expression: POD_SPEC },
  { name: 'containers', expression: `variables.podSpec.containers + ${list('initContainers')} + ${list('ephemeralContainers')}` },
  // Ephemeral containers cannot declare resources.
  { name: 'resourcedContainers', expression: `variables.podSpec.containers + ${list('initContainers')}` },
];

/** `c.image` with Docker Hub's implicit registry spelled out (`ollama/ollama:1` → `docker.io/ollama/ollama:1`). */
const QUALIFIED_IMAGE =
  "(c.image.split('/').size() > 1 && (c.image.split('/')[0].contains('.') || c.image.split('/')[0].contains(':') || c.image.split('/')[0] == 'localhost') ? c.image : 'docker.io/' + c.image)";

const celString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function invariants(allowedImagePrefixes: readonly string[]): Invariant[] {
  const sc = (field: string): string => `has(c.securityContext) && has(c.securityContext.${field})`;
  const psc = (field: string): string => `has(variables.podSpec.securityContext) && has(variables.podSpec.securityContext.${field})`;
  return [
    {
      name: 'edge-pinned-images',
      title: 'Pinned images',
      scope: PolicyScope.ALL,
      expressions: [
        {
          // The tag is after the last ':' of the last path component (a registry port is in the first one).
          expression:
            "variables.containers.all(c, c.image.contains('@sha256:') || (c.image.split('/')[c.image.split('/').size() - 1].contains(':') && !c.image.endsWith(':latest')))",
          message: 'every container image must be pinned: a version tag other than latest, or a digest (image@sha256:...)',
        },
      ],
    },
    {
      name: 'edge-allowed-registries',
      title: 'Allowed registries',
      scope: PolicyScope.ALL,
      variables: [{ name: 'allowedPrefixes', expression: `[${allowedImagePrefixes.map(celString).join(', ')}]` }],
      expressions: [
        {
          expression: `variables.containers.all(c, variables.allowedPrefixes.exists(p, ${QUALIFIED_IMAGE}.startsWith(p)))`,
          message: `every container image must come from an allowed registry: ${allowedImagePrefixes.join(', ')} (lib/model/versions.ts and fleet.yaml images.registry)`,
        },
      ],
    },
    {
      name: 'edge-non-root',
      title: 'Non-root',
      scope: PolicyScope.UNPRIVILEGED,
      expressions: [
        {
          // As Pod Security "restricted": the container's setting wins, else the pod's.
          expression: `variables.containers.all(c, ${sc('runAsNonRoot')} ? c.securityContext.runAsNonRoot == true : (${psc('runAsNonRoot')} && variables.podSpec.securityContext.runAsNonRoot == true))`,
          message: 'every container must run as non-root: set securityContext.runAsNonRoot: true on the pod or the container',
        },
        {
          expression: `variables.containers.all(c, !(${sc('privileged')}) || c.securityContext.privileged == false)`,
          message: 'privileged containers are not allowed: remove securityContext.privileged',
        },
        {
          expression: `variables.containers.all(c, ${sc('allowPrivilegeEscalation')} && c.securityContext.allowPrivilegeEscalation == false)`,
          message: 'every container must set securityContext.allowPrivilegeEscalation: false',
        },
      ],
    },
    {
      name: 'edge-resources',
      title: 'Requests and limits',
      scope: PolicyScope.ALL,
      expressions: [
        {
          expression:
            "variables.resourcedContainers.all(c, has(c.resources) && has(c.resources.requests) && has(c.resources.limits) && 'cpu' in c.resources.requests && 'memory' in c.resources.requests && 'cpu' in c.resources.limits && 'memory' in c.resources.limits)",
          message: 'every container must set resources.requests and resources.limits for cpu and memory',
        },
      ],
    },
    {
      name: 'edge-host-namespaces',
      title: 'No host namespaces',
      scope: PolicyScope.UNPRIVILEGED,
      expressions: [
        {
          expression:
            "!(has(variables.podSpec.hostNetwork) && variables.podSpec.hostNetwork == true) && !(has(variables.podSpec.hostPID) && variables.podSpec.hostPID == true) && !(has(variables.podSpec.hostIPC) && variables.podSpec.hostIPC == true)",
          message: 'hostNetwork, hostPID and hostIPC are only allowed in namespaces with Pod Security level privileged (the node agents)',
        },
        {
          expression: '!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, !has(v.hostPath))',
          message: 'hostPath volumes are only allowed in namespaces with Pod Security level privileged (the node agents)',
        },
      ],
    },
  ];
}

/** A ClusterPolicy manifest (kyverno.io/v1) for one invariant at one site. */
export function clusterPolicy(inv: Invariant, inputs: PolicyInputs, labels: Readonly<Record<string, string>>): Record<string, unknown> {
  const namespaces = [...inputs.namespaces[inv.scope]];
  const controllers: string[] = [...POD_CONTROLLER_KINDS, ...(inputs.rollouts ? [ROLLOUT_KIND] : [])];
  const cel = { variables: [...SHARED_VARIABLES, ...(inv.variables ?? [])], expressions: inv.expressions.map((e) => ({ ...e })) };
  const rule = (name: string, kinds: readonly string[], failureAction: FailureAction): Record<string, unknown> => ({
    name,
    // Not DELETE: its `object` is null (every expression would error, and Kyverno registers DELETE by default).
    match: { any: [{ resources: { kinds: [...kinds], namespaces, operations: ['CREATE', 'UPDATE'] } }] },
    validate: { failureAction, cel },
  });
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: {
      name: inv.name,
      labels: { ...labels },
      annotations: { [AUTOGEN_ANNOTATION]: 'none', 'policies.kyverno.io/title': inv.title },
    },
    spec: {
      // A Kyverno that is down or slow must not block an edge site's deploys (the alert says it is down).
      failurePolicy: 'Ignore',
      webhookTimeoutSeconds: 5,
      admission: true,
      // Background scans report objects that predate the policy (PolicyReports, kyverno_policy_results_total).
      background: true,
      rules: [rule('pods', ['Pod'], 'Enforce'), rule('pod-controllers', controllers, 'Audit')],
    },
  };
}
