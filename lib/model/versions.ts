/**
 * Every image, Helm chart and tool version the platform renders, in one place.
 *
 * Each entry is pinned (never `latest`) and carries a `renovate:` comment so that an update bot (Renovate's
 * regex manager, see docs/decisions) can propose bumps as reviewable pull requests. Charts import from here
 * and never spell a version themselves.
 */

/** A container image pinned by tag (and optionally digest). */
export interface ImageRef {
  readonly repository: string;
  readonly tag: string;
  /** Architectures the image is published for (checked against the nodes a workload may land on). */
  readonly architectures: readonly ('amd64' | 'arm64')[];
}

/** A Helm chart pinned by version, installed through an Argo CD Application. */
export interface HelmChartRef {
  readonly repoURL: string;
  readonly chart: string;
  readonly version: string;
}

export function imageName(ref: ImageRef): string {
  return `${ref.repository}:${ref.tag}`;
}

export const IMAGES = {
  /** The project's own inference server (server/), built multi-arch by .github/workflows/inference-server-image.yaml. */
  // renovate: datasource=docker depName=ghcr.io/edge-ai-gitops/inference-server
  inferenceServer: { repository: 'ghcr.io/edge-ai-gitops/inference-server', tag: '0.2.0', architectures: ['amd64', 'arm64'] },
  /**
   * Ollama server and CLI (the bootstrap Job runs the same image). Multi-arch index (scripts/build_docker.sh builds
   * linux/amd64,linux/arm64). 0.34.2 per docs/decisions/0007-ollama-hardening.md: the newest tag with dated Docker
   * Hub evidence (Renovate bumps ollama/ollama 0.34.0 → 0.34.2, AndreiGavriliu/homelab#7322, 2026-09-15). Not
   * digest-pinned yet: resolve `docker buildx imagetools inspect ollama/ollama:0.34.2` and append @sha256.
   */
  // renovate: datasource=docker depName=ollama/ollama
  ollama: { repository: 'ollama/ollama', tag: '0.34.2', architectures: ['amd64', 'arm64'] },
  /**
   * NVIDIA Triton (optional `runtime: triton`, amd64 sites only). Release 26.07 (docs.nvidia.com/deeplearning/
   * triton-inference-server/release-notes/rel-26-07.html). NGC also publishes an arm64 build, but for ARM SBSA
   * servers and Jetson, not Raspberry-Pi-class boards, so only amd64 is listed. Size: ~15 GB (24.06-py3 measured
   * 15.5 GB): budget node disk and first-pull time.
   */
  // renovate: datasource=docker depName=nvcr.io/nvidia/tritonserver versioning=regex:^(?<major>\d+)\.(?<minor>\d+)-py3$
  triton: { repository: 'nvcr.io/nvidia/tritonserver', tag: '26.07-py3', architectures: ['amd64'] },
  /**
   * OpenTelemetry Collector, Kubernetes distribution (otlp receiver, memory_limiter and batch processors, otlp and
   * debug exporters, health_check). The opentelemetry-collector chart requires the image to be named explicitly
   * (UPGRADING.md 0.88 → 0.89). Tag = the appVersion of the pinned chart below (0.153.0). Multi-arch: the
   * opentelemetry-collector-releases goreleaser config builds otelcol-k8s for linux amd64/arm64 (and more), and the
   * releases README promises multi-arch images "at least amd64 and arm64". From ghcr.io, as the chart's own CI
   * values do, so that edge sites behind one NAT address do not hit Docker Hub's anonymous pull rate limit.
   */
  // renovate: datasource=docker depName=ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s
  otelCollector: {
    repository: 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s',
    tag: '0.153.0',
    architectures: ['amd64', 'arm64'],
  },
} as const satisfies Record<string, ImageRef>;

export const HELM_CHARTS = {
  /**
   * Argo Rollouts controller + CRDs for the inference layer. Chart 2.41.1 ships app v1.9.1 (argo-helm release
   * argo-rollouts-2.41.1: "Update dependency argoproj/argo-rollouts to v1.9.1", #3969), exactly the version of
   * the vendored Rollout/AnalysisTemplate CRDs (schemas/crds/README.md). Bump both together.
   */
  // renovate: datasource=helm registryUrl=https://argoproj.github.io/argo-helm depName=argo-rollouts
  argoRollouts: { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', version: '2.41.1' },
  /**
   * Argo CD itself, installed by Terraform (terraform/modules/argocd-bootstrap on the hub, argocd-site at pull-mode
   * sites), never by Argo CD. 10.3.3 ships app v3.5.1, the release of the vendored Application/ApplicationSet/
   * AppProject CRDs in schemas/crds/ (`helm show values argo/argo-cd` "chart 10.3.3 / app v3.5.1", and an argocd
   * module pinning chart 10.3.3 "(app v3.5.1)"). Terraform reads this pin from terraform/modules/inventory/
   * generated.json, written by `node terraform/tools/generate.mjs` (test/terraform fails when it is stale).
   */
  // renovate: datasource=helm registryUrl=https://argoproj.github.io/argo-helm depName=argo-cd
  argoCd: { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '10.3.3' },
  /**
   * The site monitoring stack (docs/decisions/0011-monitoring-stack.md). 88.2.0 ships Prometheus Operator v0.93.0
   * (appVersion), the release of the vendored monitoring.coreos.com CRDs in schemas/crds/ (kube-prometheus-stack
   * 88.x = operator v0.93.0: prometheus-community/helm-charts#7152; 88.2.0/v0.93.0 also in sapcc/helm-charts#12596).
   * Images (prometheus, alertmanager, operator, config-reloader, kube-state-metrics, node-exporter, grafana) are
   * multi-arch: the Prometheus projects build DOCKER_ARCHS amd64 armv7 arm64 ppc64le s390x (Makefile.common).
   */
  // renovate: datasource=helm registryUrl=https://prometheus-community.github.io/helm-charts depName=kube-prometheus-stack
  kubePrometheusStack: { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '88.2.0' },
  /**
   * Blackbox exporter for the Ollama `Probe` (Ollama has no /metrics). Chart 11.15.1 ships blackbox_exporter v0.27.0
   * (pinned together in public GitOps repos; the chart moved to 0.27.0 in prometheus-community/helm-charts#5985).
   */
  // renovate: datasource=helm registryUrl=https://prometheus-community.github.io/helm-charts depName=prometheus-blackbox-exporter
  blackboxExporter: { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'prometheus-blackbox-exporter', version: '11.15.1' },
  /** OpenTelemetry Collector chart 0.158.3 (appVersion 0.153.0, open-telemetry/opentelemetry-helm-charts Chart.yaml). */
  // renovate: datasource=helm registryUrl=https://open-telemetry.github.io/opentelemetry-helm-charts depName=opentelemetry-collector
  otelCollector: { repoURL: 'https://open-telemetry.github.io/opentelemetry-helm-charts', chart: 'opentelemetry-collector', version: '0.158.3' },
} as const satisfies Record<string, HelmChartRef>;

