/**
 * What a layer chart receives: the validated site plus the fleet-wide catalogues (models, Modelfiles,
 * platform settings) loaded once from the repository. Charts are pure functions of this value: they never
 * read files, the environment or the clock.
 */
import { Fleet, Receiver, repositoryWebURL } from './fleet';
import type { InferenceModel } from './inference-models';
import type { Modelfile } from './modelfile';
import { Site } from './schema';

/** Where Argo CD finds the rendered output: fleet.yaml `git` plus the repository layout. */
export interface PlatformSettings {
  /** The Git repository Argo CD syncs rendered output from (fleet.yaml git.repoURL). */
  readonly repoURL: string;
  /** Branch or tag Argo CD tracks (fleet.yaml git.targetRevision). */
  readonly targetRevision: string;
  /** Folder of the rendered output inside the repository. */
  readonly distPath: string;
  /** Browsable address of the repository (runbook links). */
  readonly webURL: string;
}

/** Folder of the rendered output inside the repository (a layout fact of this project, not a fleet setting). */
export const DIST_PATH = 'dist';

/** The platform settings of a validated fleet config (lib/model/load.ts loadFleet guarantees a web address). */
export function platformSettings(fleet: Fleet): PlatformSettings {
  return { repoURL: fleet.git.repoURL, targetRevision: fleet.git.targetRevision, distPath: DIST_PATH, webURL: repositoryWebURL(fleet.git) ?? fleet.git.repoURL };
}

/**
 * The fleet's hub as the charts use it: where every site sends its telemetry and how long the hub keeps it
 * (fleet.yaml `hub:`, resolved by charts/monitoring/hub-endpoints.ts resolveHubSettings).
 */
export interface HubSettings {
  /** OTLP/HTTP base URL of the hub's collector gateway (logs and traces), e.g. `https://otlp.hub.example.com:4318`. */
  readonly otlpEndpoint: string;
  /** Prometheus remote-write URL of the hub's receiver, e.g. `https://prometheus.hub.example.com/api/v1/write`. */
  readonly prometheusRemoteWriteUrl: string;
  /** Retention at the hub, in days: metrics (hub Prometheus), logs (Loki), traces (Tempo). */
  readonly retentionDays: { readonly metrics: number; readonly logs: number; readonly traces: number };
  /** Where the hub Alertmanager sends the fleet alerts (fleet.yaml alerting.hubReceiver, else defaultReceiver). */
  readonly receiver: Receiver;
}

/** Fleet-wide inputs loaded from the repository; layers extend it with their own catalogues. */
export interface Catalog {
  /** The validated fleet.yaml (lib/model/fleet.ts), read once per run. */
  readonly fleet: Fleet;
  /** Derived from `fleet.git`. */
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
