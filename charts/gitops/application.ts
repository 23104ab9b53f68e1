/**
 * Argo CD Application specs, made in one place so that every mode syncs the same way.
 *
 * `layerApplication` is THE function for "one layer file of one site": the pull-mode site renders its result
 * directly, the hub ApplicationSet uses it as its template (with Go-template placeholders as values), and the
 * Terraform root Application of a pull-mode site is its `gitops` instance. A change to sync behaviour is made
 * here once and lands in both modes (a test compares them field by field).
 */
import { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { HelmRelease } from '../../lib/constructs/helm';
import { PART_OF, SITE_LABEL } from '../../lib/constructs/labels';
import { ARGOCD_NAMESPACE, LAYER_LABEL, RING_LABEL } from './contract';

export type ApplicationSpec = IApplication['spec'];
export type ApplicationDestination = ApplicationSpec['destination'];
export type SyncPolicy = NonNullable<ApplicationSpec['syncPolicy']>;

/** Metadata of an Application (or of an ApplicationSet template): name, labels, annotations. */
export interface ApplicationMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface ApplicationParts {
  readonly metadata: ApplicationMeta;
  readonly spec: ApplicationSpec;
}

/**
 * Failed syncs are retried with exponential backoff: 15 s, 30 s, 1 m, ... capped at 10 m, ten times (about an
 * hour). Long enough for a Raspberry Pi to pull a large image or for a CRD to arrive from a controller
 * Application; finite, so that a bad revision does not retry forever and block the fix (an operation that is
 * still retrying is not replaced by a newer revision).
 */
export const SYNC_RETRY = { limit: 10, backoff: { duration: '15s', factor: 2, maxDuration: '10m' } } as const;

/**
 * Sync options of every layer Application:
 * - ServerSideApply: dashboards, rule groups and CRDs exceed the 256 KiB `last-applied-configuration`
 *   annotation of client-side apply, and field ownership makes conflicts with controllers visible;
 * - RespectIgnoreDifferences: the replica counts HPAs own are left alone during sync, not only in the diff;
 * - SkipDryRunOnMissingResource: a layer may hold CRs (Rollout, ServiceMonitor) whose CRD arrives from a Helm
 *   Application synced separately; the apply is retried (SYNC_RETRY) until the CRD exists;
 * - PruneLast: removed objects go only after everything else is healthy.
 * Never `CreateNamespace=true`: the baseline layer owns namespaces (labels, quotas, default-deny).
 */
export const LAYER_SYNC_OPTIONS = [
  'ServerSideApply=true',
  'RespectIgnoreDifferences=true',
  'SkipDryRunOnMissingResource=true',
  'PruneLast=true',
] as const;

/** HPAs own `spec.replicas` of the Deployments and Rollouts they scale; Git must not reset it on every sync. */
const HPA_REPLICAS_IGNORE_DIFFERENCES = [
  { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
  { group: 'argoproj.io', kind: 'Rollout', jsonPointers: ['/spec/replicas'] },
] as const;

/**
 * Webhook configurations of Helm charts (the Prometheus Operator admission webhook) get their `caBundle`
 * patched in by a certificate Job after install; without this every sync would undo it.
 */
const WEBHOOK_CA_IGNORE_DIFFERENCES = [
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
] as const;

/** Sync wave of the baseline layer: namespaces before anything that lives in them. */
export const BASELINE_SYNC_WAVE = -10;
/** Sync wave of the other layers: after the Helm controllers (negative waves) whose CRDs they use. */
export const LAYER_SYNC_WAVE = 0;

/** Where an Application deploys: a registered cluster by name, or a server URL (in-cluster). */
export type ClusterRef = { readonly name: string; readonly server?: never } | { readonly server: string; readonly name?: never };

export interface LayerApplicationProps {
  /** Application name: `<site>-<layer>` (a Go template such as `{{ .site }}-{{ .layer }}` in an ApplicationSet). */
  readonly name: string;
  /** Site name (label value). */
  readonly site: string;
  /** Layer file stem (label value): `baseline`, `inference`, ... */
  readonly layer: string;
  /** Rollout ring as a decimal string (label value). */
  readonly ring: string;
  readonly project: string;
  readonly repoURL: string;
  readonly targetRevision: string;
  /** Folder holding the site's layer files, e.g. `dist/warehouse`. */
  readonly path: string;
  /** The one file of that folder this Application syncs, e.g. `inference.k8s.yaml`. */
  readonly include: string;
  readonly cluster: ClusterRef;
  /** Namespace for namespaced objects that name none (every rendered object names its namespace). */
  readonly namespace: string;
  /**
   * Sync wave annotation; only meaningful when a parent Application syncs this one (pull mode).
   * @default none
   */
  readonly syncWave?: number;
}

/** The labels every layer Application carries; RollingSync steps select on ring and layer. */
function layerApplicationLabels(props: Pick<LayerApplicationProps, 'name' | 'site' | 'layer' | 'ring'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': props.name,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/component': 'gitops',
    [SITE_LABEL]: props.site,
    [RING_LABEL]: props.ring,
    [LAYER_LABEL]: props.layer,
  };
}

/** The sync policy of every directory-sourced Application (layers, the per-site gitops Application, roots). */
function directorySyncPolicy(): SyncPolicy {
  return {
    // prune + selfHeal: Git is the truth. allowEmpty stays false: an empty render never deletes a whole layer.
    // Under RollingSync the ApplicationSet controller switches `automated` off and syncs itself, taking the
    // prune setting from here (applicationset controller SyncDesiredApplications).
    automated: { prune: true, selfHeal: true },
    syncOptions: [...LAYER_SYNC_OPTIONS],
    retry: { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } },
  };
}

/** One layer file of one site as an Argo CD Application. */
export function layerApplication(props: LayerApplicationProps): ApplicationParts {
  const destination: ApplicationDestination =
    props.cluster.name !== undefined ? { name: props.cluster.name, namespace: props.namespace } : { server: props.cluster.server, namespace: props.namespace };
  return {
    metadata: {
      name: props.name,
      namespace: ARGOCD_NAMESPACE,
      labels: layerApplicationLabels(props),
      ...(props.syncWave !== undefined ? { annotations: { 'argocd.argoproj.io/sync-wave': String(props.syncWave) } } : {}),
    },
    spec: {
      project: props.project,
      source: {
        repoURL: props.repoURL,
        targetRevision: props.targetRevision,
        path: props.path,
        // Only the one layer file, never recursing: the other layers are other Applications.
        directory: { recurse: false, include: props.include },
      },
      destination,
      ignoreDifferences: HPA_REPLICAS_IGNORE_DIFFERENCES.map((d) => ({ ...d, jsonPointers: [...d.jsonPointers] })),
      syncPolicy: directorySyncPolicy(),
    },
  };
}

export interface HelmApplicationProps {
  readonly site: string;
  readonly ring: string;
  /** Layer that declared the release (label value). */
  readonly layer: string;
  readonly release: HelmRelease;
  readonly project: string;
  readonly cluster: ClusterRef;
}

/** Application name of a Helm release at a site. */
function helmApplicationName(site: string, release: string): string {
  return `${site}-${release}`;
}

/**
 * A layer's Helm release as an Argo CD Application: pinned chart, values from TypeScript, its sync wave.
 * No `resources-finalizer`: deleting the Application (a removed site, a bad render) never cascades into the
 * site's controllers and their data; removing a release on purpose is `argocd app delete --cascade`.
 */
export function helmApplication(props: HelmApplicationProps): ApplicationParts {
  const { release } = props;
  const ssa = release.serverSideApply ?? true;
  const destination: ApplicationDestination =
    props.cluster.name !== undefined ? { name: props.cluster.name, namespace: release.namespace } : { server: props.cluster.server, namespace: release.namespace };
  return {
    metadata: {
      name: helmApplicationName(props.site, release.name),
      namespace: ARGOCD_NAMESPACE,
      labels: { ...layerApplicationLabels({ ...props, name: helmApplicationName(props.site, release.name) }), 'edge-ai.io/helm-release': release.name },
      annotations: { 'argocd.argoproj.io/sync-wave': String(release.syncWave) },
    },
    spec: {
      project: props.project,
      source: {
        repoURL: release.chart.repoURL,
        chart: release.chart.chart,
        targetRevision: release.chart.version,
        helm: { releaseName: release.name, valuesObject: { ...release.values } },
      },
      destination,
      ignoreDifferences: [
        ...WEBHOOK_CA_IGNORE_DIFFERENCES.map((d) => ({ ...d, jqPathExpressions: [...d.jqPathExpressions] })),
        ...(release.ignoreDifferences ?? []).map(({ jsonPointers, jqPathExpressions, ...d }) => ({
          ...d,
          ...(jsonPointers ? { jsonPointers: [...jsonPointers] } : {}),
          ...(jqPathExpressions ? { jqPathExpressions: [...jqPathExpressions] } : {}),
        })),
      ],
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: [
          ...(ssa ? ['ServerSideApply=true'] : []),
          'RespectIgnoreDifferences=true',
          'SkipDryRunOnMissingResource=true',
          'PruneLast=true',
        ],
        retry: { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } },
      },
    },
  };
}
