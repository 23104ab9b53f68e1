/**
 * The hardened workload building blocks every layer uses.
 *
 * They make the secure choice the only easy one: non-root, read-only root filesystem, no privilege
 * escalation, all capabilities dropped, seccomp RuntimeDefault, no service-account token unless asked for,
 * requests and limits required, liveness and readiness probes required, images pinned. Everything a pod
 * needs is passed as typed props; a bad prop throws with the value received and how to fix it.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Architecture } from '../model/schema';
import { selectorLabels } from './labels';

/** Pinned: `repo:tag` with a tag other than `latest`, or `repo@sha256:<64 hex>`. */
const PINNED_IMAGE = /^[a-z0-9.\-/:]+?(:(?!latest$)[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

export function assertPinnedImage(image: string): void {
  const hasTag = /:[\w][\w.-]*$/.test(image.split('@')[0].split('/').pop() ?? '');
  const hasDigest = /@sha256:[a-f0-9]{64}$/.test(image);
  if (!PINNED_IMAGE.test(image) || (!hasTag && !hasDigest) || /:latest(@|$)/.test(image)) {
    throw new Error(`image "${image}" is not pinned: use an explicit version tag (never "latest") or a @sha256 digest, from lib/model/versions.ts`);
  }
}

/** CPU and memory of one container. Memory limit = request (no overcommit of the scarcest edge resource). */
export interface ContainerResources {
  /** CPU request in millicores. */
  readonly cpuMillicores: number;
  /** Memory request and limit in MiB. */
  readonly memoryMiB: number;
  /**
   * CPU limit in millicores.
   * @default 2 × cpuMillicores
   */
  readonly cpuLimitMillicores?: number;
}

export interface HttpProbeSpec {
  readonly path: string;
  /** Named container port. */
  readonly port: string;
  /** @default 10 */
  readonly periodSeconds?: number;
  /** @default 3 */
  readonly timeoutSeconds?: number;
  /** @default 3 */
  readonly failureThreshold?: number;
  /** @default 0 */
  readonly initialDelaySeconds?: number;
}

export interface ContainerSpec {
  readonly name: string;
  /** Pinned image reference (see lib/model/versions.ts). */
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Extra env entries that need `valueFrom` (downward API, secrets). */
  readonly envFrom?: readonly k8s.EnvVar[];
  readonly ports?: readonly { readonly name: string; readonly containerPort: number }[];
  readonly resources: ContainerResources;
  readonly volumeMounts?: readonly k8s.VolumeMount[];
  /**
   * Root filesystem read-only. Only turn off with a documented reason.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/** A long-running container: probes are mandatory. */
export interface MainContainerSpec extends ContainerSpec {
  /**
   * Seconds to keep serving after the pod is marked terminating, before SIGTERM (a `preStop` sleep): kube-proxy
   * and the Service endpoints need a moment to stop sending new requests. The image must have `sleep`.
   * @default no preStop hook
   */
  readonly preStopSleepSeconds?: number;
  readonly liveness: HttpProbeSpec | { readonly exec: readonly string[]; readonly periodSeconds?: number; readonly timeoutSeconds?: number };
  readonly readiness: HttpProbeSpec;
  /** For slow starters (model loading, pulls): holds off liveness until the app is up. */
  readonly startup?: HttpProbeSpec;
}

export interface PodSpecProps {
  readonly containers: readonly MainContainerSpec[];
  readonly initContainers?: readonly ContainerSpec[];
  readonly volumes?: readonly k8s.Volume[];
  /**
   * UID and GID the pod runs as.
   * @default 65532 (the conventional "nonroot" user)
   */
  readonly runAsUser?: number;
  /** Mount a service-account token (only for pods that call the Kubernetes API). @default false */
  readonly automountServiceAccountToken?: boolean;
  readonly serviceAccountName?: string;
  /** Architectures the pod's images support; becomes a required node affinity on kubernetes.io/arch. */
  readonly architectures: readonly Architecture[];
  /** Extra required node-selector terms (ANDed with the architecture). */
  readonly nodeSelectorExpressions?: readonly k8s.NodeSelectorRequirement[];
  /** Spread replicas over nodes when there are several. @default true */
  readonly spreadOverNodes?: boolean;
  /** Labels selecting the pods, used for the topology spread. */
  readonly selector: Readonly<Record<string, string>>;
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** @default Always */
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never';
}

function quantityCpu(millicores: number): k8s.Quantity {
  return k8s.Quantity.fromString(`${millicores}m`);
}

function quantityMemory(mib: number): k8s.Quantity {
  return k8s.Quantity.fromString(`${mib}Mi`);
}

function httpProbe(p: HttpProbeSpec): k8s.Probe {
  return {
    httpGet: { path: p.path, port: k8s.IntOrString.fromString(p.port) },
    periodSeconds: p.periodSeconds ?? 10,
    timeoutSeconds: p.timeoutSeconds ?? 3,
    failureThreshold: p.failureThreshold ?? 3,
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
  };
}

function validateResources(name: string, r: ContainerResources): void {
  if (!(r.cpuMillicores > 0) || !(r.memoryMiB > 0)) {
    throw new Error(`container "${name}": resources ${JSON.stringify(r)} must set positive cpuMillicores and memoryMiB requests`);
  }
  if (r.cpuLimitMillicores !== undefined && r.cpuLimitMillicores < r.cpuMillicores) {
    throw new Error(`container "${name}": cpuLimitMillicores ${r.cpuLimitMillicores} is below the request ${r.cpuMillicores}: raise the limit`);
  }
}

/** The restricted-profile container: the only way charts build a container. */
export function hardenedContainer(c: ContainerSpec, runAsUser: number): k8s.Container {
  assertPinnedImage(c.image);
  validateResources(c.name, c.resources);
  const env: k8s.EnvVar[] = [
    ...Object.entries(c.env ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value })),
    ...(c.envFrom ?? []),
  ];
  return {
    name: c.name,
    image: c.image,
    imagePullPolicy: 'IfNotPresent',
    command: c.command ? [...c.command] : undefined,
    args: c.args ? [...c.args] : undefined,
    env: env.length ? env : undefined,
    ports: c.ports?.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
    resources: {
      requests: { cpu: quantityCpu(c.resources.cpuMillicores), memory: quantityMemory(c.resources.memoryMiB) },
      limits: {
        cpu: quantityCpu(c.resources.cpuLimitMillicores ?? 2 * c.resources.cpuMillicores),
        memory: quantityMemory(c.resources.memoryMiB),
      },
    },
    volumeMounts: c.volumeMounts?.length ? [...c.volumeMounts] : undefined,
    securityContext: {
      runAsNonRoot: true,
      runAsUser,
      runAsGroup: runAsUser,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: c.readOnlyRootFilesystem ?? true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

function mainContainer(c: MainContainerSpec, runAsUser: number): k8s.Container {
  const base = hardenedContainer(c, runAsUser);
  const portNames = new Set((c.ports ?? []).map((p) => p.name));
  for (const probe of [c.readiness, c.startup, 'exec' in c.liveness ? undefined : c.liveness]) {
    if (probe && !portNames.has(probe.port)) {
      throw new Error(`container "${c.name}": probe port "${probe.port}" is not one of its named ports (${[...portNames].join(', ') || 'none'}): name the port in ports`);
    }
  }
  const liveness: k8s.Probe =
    'exec' in c.liveness
      ? { exec: { command: [...c.liveness.exec] }, periodSeconds: c.liveness.periodSeconds ?? 10, timeoutSeconds: c.liveness.timeoutSeconds ?? 3, failureThreshold: 3 }
      : httpProbe(c.liveness);
  return {
    ...base,
    lifecycle: c.preStopSleepSeconds ? { preStop: { exec: { command: ['sleep', String(c.preStopSleepSeconds)] } } } : undefined,
    livenessProbe: liveness,
    readinessProbe: httpProbe(c.readiness),
    startupProbe: c.startup ? httpProbe(c.startup) : undefined,
  };
}

/** A hardened pod spec. Throws on missing probes/resources or unpinned images. */
export function hardenedPodSpec(props: PodSpecProps): k8s.PodSpec {
  const uid = props.runAsUser ?? 65532;
  if (uid === 0) throw new Error('runAsUser 0 (root) is not allowed: choose a non-zero UID such as 1000');
  if (props.containers.length === 0) throw new Error('a pod needs at least one container');
  if (props.architectures.length === 0) throw new Error('architectures is empty: list the CPU architectures the images are built for');
  const spread = props.spreadOverNodes ?? true;
  return {
    automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    serviceAccountName: props.serviceAccountName,
    enableServiceLinks: false,
    restartPolicy: props.restartPolicy,
    terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: uid,
      fsGroup: uid,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: 'kubernetes.io/arch', operator: 'In', values: [...props.architectures].sort() },
                ...(props.nodeSelectorExpressions ?? []),
              ],
            },
          ],
        },
      },
    },
    topologySpreadConstraints: spread
      ? [
          {
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { ...props.selector } },
          },
        ]
      : undefined,
    initContainers: props.initContainers?.map((c) => hardenedContainer(c, uid)),
    containers: props.containers.map((c) => mainContainer(c, uid)),
    volumes: props.volumes?.length ? [...props.volumes] : undefined,
  };
}

export interface HardenedDeploymentProps extends PodSpecProps {
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number;
  /** Extra pod labels (the selector labels are always added). */
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/** A Deployment built from hardened pod props. */
export class HardenedDeployment extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: HardenedDeploymentProps) {
    super(scope, id);
    const selector = { ...props.selector };
    this.apiObject = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: selectorLabels(props.name) },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...selector, ...props.podLabels }, annotations: props.podAnnotations ? { ...props.podAnnotations } : undefined },
          spec: hardenedPodSpec(props),
        },
      },
    });
  }
}
