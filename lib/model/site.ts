/**
 * What a layer chart receives: the validated site plus the fleet-wide catalogues (models, Modelfiles,
 * platform settings) loaded once from the repository. Charts are pure functions of this value: they never
 * read files, the environment or the clock.
 */
import type { InferenceModel } from './inference-models';
import type { Modelfile } from './modelfile';
import { Site } from './schema';

/** Fleet-wide settings that are not facts of one site. */
export interface PlatformSettings {
  /** The Git repository Argo CD syncs rendered output from. */
  readonly repoURL: string;
  /** Branch or tag Argo CD tracks. */
  readonly targetRevision: string;
  /** Folder of the rendered output inside the repository. */
  readonly distPath: string;
}

export const PLATFORM: PlatformSettings = {
  repoURL: 'https://github.com/edge-ai-gitops/edge-ai-gitops.git',
  targetRevision: 'main',
  distPath: 'dist',
};

/**
 * The fleet's hub: where every site sends its telemetry and how long the hub keeps it. This is the `hub:`
 * section of the fleet config (issue 12, `fleet.yaml`); until that file lands, HUB_DEFAULTS stands in for it and
 * `resolveHub` (charts/monitoring/hub-endpoints.ts) is the one function that reads it.
 */
export interface HubSettings {
  /** OTLP/HTTP base URL of the hub's collector gateway (logs and traces), e.g. `https://otlp.hub.example.com:4318`. */
  readonly otlpEndpoint: string;
  /** Prometheus remote-write URL of the hub's receiver, e.g. `https://prometheus.hub.example.com/api/v1/write`. */
  readonly prometheusRemoteWriteUrl: string;
  /** Retention at the hub, in days: metrics (hub Prometheus), logs (Loki), traces (Tempo). */
  readonly retentionDays: { readonly metrics: number; readonly logs: number; readonly traces: number };
}

/** Stand-in for `fleet.yaml` `hub:` (see HubSettings). `undefined` would mean a fleet without a hub. */
export const HUB_DEFAULTS: HubSettings | undefined = {
  otlpEndpoint: 'https://otlp.hub.edge-ai.example.com:4318',
  prometheusRemoteWriteUrl: 'https://prometheus.hub.edge-ai.example.com/api/v1/write',
  retentionDays: { metrics: 30, logs: 14, traces: 7 },
};

/** Fleet-wide inputs loaded from the repository; layers extend it with their own catalogues. */
export interface Catalog {
  readonly platform: PlatformSettings;
  /** ONNX models of models/onnx/ with the files the inference layer delivers (lib/model/inference-models.ts). */
  readonly onnxModels: readonly InferenceModel[];
  /** Parsed `models/ollama/<name>.Modelfile`, keyed by <name> (lib/model/modelfiles.ts). */
  readonly modelfiles: Readonly<Record<string, Modelfile>>;
}

export interface SiteContext {
  readonly site: Site;
  /** Inventory file of the site, for error messages. */
  readonly file: string;
  readonly catalog: Catalog;
}

/** `v1.28.4+k3s2` → `v1.28`: the Pod Security Admission policy version matching the cluster. */
export function kubernetesMinor(k3sVersion: string): string {
  const m = /^v(\d+)\.(\d+)\./.exec(k3sVersion);
  return m ? `v${m[1]}.${m[2]}` : 'latest';
}

/** Architectures present at the site, sorted. */
export function siteArchitectures(site: Site): ('amd64' | 'arm64')[] {
  return [...new Set(site.nodes.map((n) => n.arch))].sort();
}
