/**
 * Ollama layer: an LLM server per site for the pinned library models and the custom models of
 * models/ollama/*.Modelfile, in namespace `ollama` (Pod Security `restricted`).
 *
 * - StatefulSet `ollama` (uid 1000, read-only root filesystem; HOME and /tmp on emptyDir, OLLAMA_MODELS on a
 *   `local-path` PVC from a volumeClaimTemplate that Argo CD never prunes: docs/decisions/0014).
 * - Job `ollama-bootstrap-<hash>`: once the server answers /api/version, pulls the pinned models and creates
 *   the custom ones; its name changes exactly when what it would do changes (charts/ollama/bootstrap.ts).
 * - Services `ollama` and `ollama-headless`, NetworkPolicies admitting only declared clients, the bootstrap
 *   Job and the blackbox exporter, a PodDisruptionBudget when there are several replicas.
 * - A Prometheus Operator `Probe` of /api/version through the blackbox exporter: Ollama has no /metrics
 *   endpoint (ollama/ollama#3144), so nothing here refers to `ollama_*` series.
 *
 * Every decision (memory, placement, models) is made in charts/ollama/props.ts; this file only renders.
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Probe, ProbeSpecProberScheme } from '../../imports/monitoring-monitoring.coreos.com';
import { ClientSpec } from '../../lib/model/schema';
import { outsideClusterPeer } from '../../lib/model/k3s';
import { chartLabels, selectorLabels } from '../../lib/constructs/labels';
import {
  BOOTSTRAP_ENV,
  BOOTSTRAP_SCRIPT,
  bootstrapJobName,
  OLLAMA_PORT,
  specHash,
} from './bootstrap';
import {
  BLACKBOX_EXPORTER,
  BOOTSTRAP_WAIT_SECONDS,
  DEFAULT_NAMESPACE,
  DEFAULT_STORAGE_CLASS,
  NODE_MEMORY_GIB_LABEL,
  OllamaChartProps,
} from './props';
import { OLLAMA_PROBE_JOB, PROMETHEUS_SELECTOR_LABELS } from '../../lib/constructs/telemetry';
import { IMAGES, imageName } from '../../lib/model/versions';
import { hardenedContainer, hardenedPodSpec } from '../../lib/constructs/workload';
import { LINKERD_PROXY_INBOUND_PORT, meshPodAnnotations } from '../../lib/constructs/mesh';

/** The ollama/ollama image's own non-root convention is absent (it runs as root); 1000 is the platform's choice. */
const OLLAMA_UID = 1000;
const SERVER_NAME = 'ollama';
const HEADLESS_SERVICE_NAME = 'ollama-headless';
const BOOTSTRAP_NAME = 'ollama-bootstrap';
const MODELFILES_CONFIGMAP = 'ollama-modelfiles';
const MODELS_VOLUME = 'models';

const HOME_DIR = '/home/ollama';
const MODELS_DIR = '/models';
const MODELFILES_DIR = '/modelfiles';

/** registry.ollama.ai and the CDN it redirects blob downloads to are HTTPS only. */
const HTTPS_PORT = 443;

/** Argo CD sync wave of the bootstrap Job: after the server's objects, so it rarely has to wait long. */
const BOOTSTRAP_SYNC_WAVE = 1;

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

function clientPeer(c: ClientSpec): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': c.namespace } },
    podSelector: c.podLabels ? { matchLabels: { ...c.podLabels } } : {},
  };
}

export class OllamaChart extends Chart {
  /** Name of the bootstrap Job (changes with the model spec). */
  readonly bootstrapJobName: string | undefined;

  constructor(scope: Construct, id: string, props: OllamaChartProps) {
    super(scope, id, { labels: chartLabels(props.site, 'ollama'), disableResourceNameHashes: true });
    if (!Number.isInteger(props.replicas) || props.replicas < 1) {
      throw new Error(`OllamaChart: replicas ${props.replicas} must be a whole number of at least 1`);
    }
    if (!(props.memoryMiB > 0) || !(props.storageGiB > 0)) {
      throw new Error(`OllamaChart: memoryMiB ${props.memoryMiB} and storageGiB ${props.storageGiB} must be positive (resolve them with resolveOllamaProps)`);
    }
    const namespace = props.namespace ?? DEFAULT_NAMESPACE;
    const blackbox = props.blackbox ?? BLACKBOX_EXPORTER;
    const serviceHost = `${SERVER_NAME}.${namespace}.svc`;

    this.services(namespace);
    this.statefulSet(namespace, props);
    if (props.replicas > 1) this.disruptionBudget(namespace);
    this.networkPolicies(namespace, props);
    this.bootstrapJobName = this.bootstrap(namespace, props, serviceHost);
    if (props.monitored === false) return;
    new Probe(this, 'probe', {
      metadata: { name: SERVER_NAME, namespace, labels: { ...selectorLabels(SERVER_NAME), ...PROMETHEUS_SELECTOR_LABELS } },
      spec: {
        // The Ollama alerts of the monitoring layer select probe_success{job="ollama"}.
        jobName: OLLAMA_PROBE_JOB,
        interval: `${props.probeIntervalSeconds ?? 30}s`,
        scrapeTimeout: '10s',
        module: blackbox.module,
        prober: { url: blackbox.address, scheme: ProbeSpecProberScheme.HTTP, path: '/probe' },
        targets: { staticConfig: { static: [`http://${serviceHost}:${OLLAMA_PORT}/api/version`] } },
      },
    });
  }

  private services(namespace: string): void {
    const ports: k8s.ServicePort[] = [{ name: 'http', port: OLLAMA_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }];
    new k8s.KubeService(this, 'service', {
      metadata: { name: SERVER_NAME, namespace, labels: selectorLabels(SERVER_NAME) },
      spec: { type: 'ClusterIP', selector: selectorLabels(SERVER_NAME), ports },
    });
    // Governing Service of the StatefulSet: per-pod DNS names (ollama-0.ollama-headless...) let the bootstrap
    // reach every replica, each of which has its own model cache.
    new k8s.KubeService(this, 'headless', {
      metadata: { name: HEADLESS_SERVICE_NAME, namespace, labels: selectorLabels(HEADLESS_SERVICE_NAME) },
      spec: { clusterIp: 'None', selector: selectorLabels(SERVER_NAME), ports },
    });
  }

  private statefulSet(namespace: string, props: OllamaChartProps): void {
    const image = props.image ?? IMAGES.ollama;
    const selector = selectorLabels(SERVER_NAME);
    const pod = hardenedPodSpec({
      runAsUser: OLLAMA_UID,
      architectures: props.architectures,
      // Gt on an integer label: the node must have at least minNodeMemoryGiB GiB (Gt is strict, hence − 1).
      nodeSelectorExpressions: [{ key: NODE_MEMORY_GIB_LABEL, operator: 'Gt', values: [String(props.minNodeMemoryGiB - 1)] }],
      spreadOverNodes: props.replicas > 1,
      selector,
      // Lets in-flight generations finish; Ollama stops accepting requests on SIGTERM.
      terminationGracePeriodSeconds: 60,
      containers: [
        {
          name: 'ollama',
          image: imageName(image),
          args: ['serve'],
          env: {
            HOME: HOME_DIR,
            OLLAMA_HOST: `0.0.0.0:${OLLAMA_PORT}`,
            OLLAMA_MODELS: MODELS_DIR,
            OLLAMA_NUM_PARALLEL: String(props.server.numParallel),
            OLLAMA_MAX_LOADED_MODELS: String(props.server.maxLoadedModels),
            OLLAMA_KEEP_ALIVE: props.server.keepAlive,
            OLLAMA_CONTEXT_LENGTH: String(props.server.contextLength),
          },
          ports: [{ name: 'http', containerPort: OLLAMA_PORT }],
          resources: { cpuMillicores: props.cpuMillicores, memoryMiB: props.memoryMiB },
          volumeMounts: [
            { name: 'home', mountPath: HOME_DIR },
            { name: 'tmp', mountPath: '/tmp' },
            { name: MODELS_VOLUME, mountPath: MODELS_DIR },
          ],
          // /api/version answers as soon as the HTTP server is up; it does not wait for (or trigger) a model load.
          startup: { path: '/api/version', port: 'http', periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
          readiness: { path: '/api/version', port: 'http', periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          // Generous: a Pi at its CPU limit during a generation can be slow to answer, and a restart drops the model.
          liveness: { path: '/api/version', port: 'http', periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 },
        },
      ],
      volumes: [
        // The key pair `ollama serve` generates on start (id_ed25519) and nothing else: regenerated per pod.
        { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      ],
    });
    const spec: k8s.PodSpec = props.preferredNodeMemoryGiB
      ? {
          ...pod,
          affinity: {
            ...pod.affinity,
            nodeAffinity: {
              ...pod.affinity?.nodeAffinity,
              // First placement only: once the local-path volume exists, the PV's node affinity pins the pod.
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  preference: { matchExpressions: [{ key: NODE_MEMORY_GIB_LABEL, operator: 'Gt', values: [String(props.preferredNodeMemoryGiB - 1)] }] },
                },
              ],
            },
          },
        }
      : pod;

    const manifest = k8s.KubeStatefulSet.manifest({
      metadata: { name: SERVER_NAME, namespace, labels: selector },
      spec: {
        replicas: props.replicas,
        serviceName: HEADLESS_SERVICE_NAME,
        // Replicas are independent caches: no reason to start them one by one.
        podManagementPolicy: 'Parallel',
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        // The PVCs outlive the StatefulSet: deleting or scaling it (an Argo CD prune included) keeps the models.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: { metadata: { labels: selector, ...(props.mesh ? { annotations: meshPodAnnotations(true) } : {}) }, spec },
        volumeClaimTemplates: [
          {
            metadata: { name: MODELS_VOLUME, labels: selectorLabels(SERVER_NAME) },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.storageClassName ?? DEFAULT_STORAGE_CLASS,
              volumeMode: 'Filesystem',
              resources: { requests: { storage: k8s.Quantity.fromString(`${props.storageGiB}Gi`) } },
            },
          },
        ],
      },
    });
    // The API server adds apiVersion/kind to each claim template; without them in Git Argo CD reports the
    // StatefulSet OutOfSync forever (argoproj/argo-cd#11143). The typed props cannot carry them, hence the
    // plain ApiObject over the typed manifest.
    manifest.spec.volumeClaimTemplates = manifest.spec.volumeClaimTemplates.map((t: object) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...t }));
    new ApiObject(this, 'statefulset', manifest);
  }

  /** Node drains take one server at a time; with a single replica a PDB would only block the drain. */
  private disruptionBudget(namespace: string): void {
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name: SERVER_NAME, namespace, labels: selectorLabels(SERVER_NAME) },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(SERVER_NAME) } },
    });
  }

  private networkPolicies(namespace: string, props: OllamaChartProps): void {
    const blackbox = props.blackbox ?? BLACKBOX_EXPORTER;
    new k8s.KubeNetworkPolicy(this, 'server-policy', {
      metadata: { name: SERVER_NAME, namespace, labels: selectorLabels(SERVER_NAME) },
      spec: {
        podSelector: { matchLabels: selectorLabels(SERVER_NAME) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              ...props.clients.map(clientPeer),
              { podSelector: { matchLabels: selectorLabels(BOOTSTRAP_NAME) } },
              ...(props.monitored === false
                ? []
                : [
                    {
                      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': blackbox.namespace } },
                      podSelector: { matchLabels: { ...blackbox.podLabels } },
                    },
                  ]),
            ],
            // With the mesh, meshed clients' proxies may also connect to the server's proxy directly (opaque
            // traffic); the bootstrap Job and the blackbox exporter are not meshed and use 11434.
            ports: [tcp(OLLAMA_PORT), ...(props.mesh ? [tcp(LINKERD_PROXY_INBOUND_PORT)] : [])],
          },
        ],
        // Model pulls: the Ollama registry and its CDN, over HTTPS, anywhere but inside the cluster.
        egress: [{ to: [outsideClusterPeer()], ports: [tcp(HTTPS_PORT)] }],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'bootstrap-policy', {
      metadata: { name: BOOTSTRAP_NAME, namespace, labels: selectorLabels(BOOTSTRAP_NAME) },
      spec: {
        podSelector: { matchLabels: selectorLabels(BOOTSTRAP_NAME) },
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: selectorLabels(SERVER_NAME) } }], ports: [tcp(OLLAMA_PORT)] }],
      },
    });
  }

  /** The ConfigMap of Modelfiles and the hash-named Job; nothing when the site has no model to bootstrap. */
  private bootstrap(namespace: string, props: OllamaChartProps, serviceHost: string): string | undefined {
    if (props.pullModels.length === 0 && props.customModels.length === 0) return undefined;
    const image = props.image ?? IMAGES.ollama;
    const modelfiles = Object.fromEntries(props.customModels.map((m) => [`${m.name}.Modelfile`, m.modelfile]));
    if (props.customModels.length > 0) {
      new k8s.KubeConfigMap(this, 'modelfiles', {
        metadata: { name: MODELFILES_CONFIGMAP, namespace, labels: selectorLabels(MODELFILES_CONFIGMAP) },
        data: modelfiles,
      });
    }
    // One replica: the Service. Several: each pod through the headless Service, since each has its own cache.
    const targets =
      props.replicas === 1
        ? [serviceHost]
        : Array.from({ length: props.replicas }, (_, i) => `${SERVER_NAME}-${i}.${HEADLESS_SERVICE_NAME}.${namespace}.svc`);
    const container = hardenedContainer(
      {
        name: 'bootstrap',
        image: imageName(image),
        command: ['/bin/bash', '-c', BOOTSTRAP_SCRIPT],
        env: {
          HOME: HOME_DIR,
          [BOOTSTRAP_ENV.targets]: targets.join(' '),
          [BOOTSTRAP_ENV.port]: String(OLLAMA_PORT),
          [BOOTSTRAP_ENV.pull]: props.pullModels.join(' '),
          [BOOTSTRAP_ENV.create]: props.customModels.map((m) => m.name).join(' '),
          [BOOTSTRAP_ENV.digests]: Object.entries(props.expectedModelIds)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, id]) => `${name}=${id}`)
            .join(' '),
          [BOOTSTRAP_ENV.modelfiles]: MODELFILES_DIR,
          [BOOTSTRAP_ENV.waitSeconds]: String(BOOTSTRAP_WAIT_SECONDS),
          [BOOTSTRAP_ENV.pollSeconds]: '10',
        },
        // The CLI only streams requests and progress; the server does the downloading.
        resources: { cpuMillicores: 50, memoryMiB: 128, cpuLimitMillicores: 500 },
        volumeMounts: [
          { name: 'home', mountPath: HOME_DIR },
          { name: 'tmp', mountPath: '/tmp' },
          ...(props.customModels.length > 0 ? [{ name: 'modelfiles', mountPath: MODELFILES_DIR, readOnly: true }] : []),
        ],
      },
      OLLAMA_UID,
    );
    // A run-to-completion pod: the hardened container of lib/constructs/workload.ts with the pod-level settings of
    // hardenedPodSpec, but no liveness/readiness probes (a CLI has no endpoint; its exit code is its health).
    const podSpec: k8s.PodSpec = {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 30,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: OLLAMA_UID,
        runAsGroup: OLLAMA_UID,
        fsGroup: OLLAMA_UID,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            // The image's architectures, not the site's: the Job spec (and so its name) must not change when a
            // node is added.
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: [...image.architectures].sort() }] }],
          },
        },
      },
      containers: [container],
      volumes: [
        { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
        ...(props.customModels.length > 0 ? [{ name: 'modelfiles', configMap: { name: MODELFILES_CONFIGMAP } }] : []),
      ],
    };
    const jobSpec: k8s.JobSpec = {
      // Pulls resume where a failed attempt stopped; three more attempts ride out a flaky uplink.
      backoffLimit: 3,
      activeDeadlineSeconds: props.bootstrapDeadlineSeconds,
      // No ttlSecondsAfterFinished: a Job deleted by its TTL is missing from the cluster, so Argo CD would
      // re-create it and re-run it in a loop.
      template: { metadata: { labels: selectorLabels(BOOTSTRAP_NAME) }, spec: podSpec },
    };
    // Everything the Job does is in its spec or in the Modelfiles it mounts: hash both.
    const name = bootstrapJobName(specHash({ job: k8s.KubeJob.manifest({ spec: jobSpec }).spec, modelfiles }));
    new k8s.KubeJob(this, 'bootstrap', {
      metadata: {
        name,
        namespace,
        labels: selectorLabels(BOOTSTRAP_NAME),
        annotations: { 'argocd.argoproj.io/sync-wave': String(BOOTSTRAP_SYNC_WAVE) },
      },
      spec: jobSpec,
    });
    return name;
  }
}
