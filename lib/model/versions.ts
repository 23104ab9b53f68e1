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

/**
 * The project's own images, released from this repository (no update bot: the tag is the server/package.json
 * version). Pulled from `<fleet.yaml images.registry>/<name>` (lib/model/fleet.ts ownImageRepository).
 */
export const OWN_IMAGES = {
  /** The inference server (server/), built multi-arch by .github/workflows/inference-server-image.yaml. */
  inferenceServer: { name: 'inference-server', tag: '0.2.0', architectures: ['amd64', 'arm64'] },
} as const satisfies Record<string, Omit<ImageRef, 'repository'> & { readonly name: string }>;

export const IMAGES = {
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
  /**
   * Falco (optional `layers.falco`, docs/decisions/0028-falco-runtime-security.md): the appVersion of the pinned
   * falco chart. Multi-arch: falcosecurity/falco 0.44.1 .github/workflows/release.yaml builds `build-docker` and
   * `build-docker-arm64`, reusable_publish_docker.yaml joins the x86_64 and aarch64 images into one manifest. The image
   * bundles the default ruleset falco-rules-5.1.0 (cmake/modules/rules.cmake) and container plugin 0.7.1.
   */
  // renovate: datasource=docker depName=falcosecurity/falco
  falco: { repository: 'falcosecurity/falco', tag: '0.44.1', architectures: ['amd64', 'arm64'] },
} as const satisfies Record<string, ImageRef>;

export const HELM_CHARTS = {
  /**
   * Argo Rollouts controller + CRDs for the inference layer. Chart 2.41.0 ships app v1.9.0 (argo-helm tag
   * argo-rollouts-2.41.0); it is the newest release vendored in vendor/helm-charts/ (2.41.1 / app v1.9.1 could
   * not be obtained here). The Rollout/AnalysisTemplate CRDs in schemas/crds/ are v1.9.1; the tests validate the
   * chart's own v1.9.0 CRDs and the project's Rollouts against both (docs/decisions/0017-vendored-helm-charts.md).
   */
  // renovate: datasource=helm registryUrl=https://argoproj.github.io/argo-helm depName=argo-rollouts
  argoRollouts: { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', version: '2.41.0' },
  /**
   * Argo CD itself, installed by Terraform (terraform/modules/argocd-bootstrap on the hub, argocd-site at pull-mode
   * sites), never by Argo CD. Chart 10.1.1 ships app v3.4.4 (argo-helm tag argo-cd-10.1.1), the newest release
   * vendored in vendor/helm-charts/; the Application/ApplicationSet/AppProject CRDs in schemas/crds/ are v3.5.1
   * (why both: docs/decisions/0017-vendored-helm-charts.md). Terraform reads this pin from terraform/modules/
   * inventory/generated.json, written by `node terraform/tools/generate.mjs` (test/terraform fails when it is stale).
   */
  // renovate: datasource=helm registryUrl=https://argoproj.github.io/argo-helm depName=argo-cd
  argoCd: { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '10.1.1' },
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
   * Blackbox exporter for the Ollama `Probe` (Ollama has no /metrics). Chart 11.15.1 ships blackbox_exporter v0.28.0
   * (appVersion of the vendored package, vendor/helm-charts/README.md).
   */
  // renovate: datasource=helm registryUrl=https://prometheus-community.github.io/helm-charts depName=prometheus-blackbox-exporter
  blackboxExporter: { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'prometheus-blackbox-exporter', version: '11.15.1' },
  /**
   * OpenTelemetry Collector chart 0.158.2 (appVersion 0.153.0). Not 0.158.3: that version was never released (it
   * exists only on an unmerged pull-request branch; the chart repository went 0.158.2 → 0.159.0).
   */
  // renovate: datasource=helm registryUrl=https://open-telemetry.github.io/opentelemetry-helm-charts depName=opentelemetry-collector
  otelCollector: { repoURL: 'https://open-telemetry.github.io/opentelemetry-helm-charts', chart: 'opentelemetry-collector', version: '0.158.2' },
  /**
   * Hub log store (docs/decisions/0023-hub-telemetry-stack.md): Loki 3.7.6 (appVersion), single-binary mode on a
   * filesystem PVC. The chart moved from grafana/helm-charts to grafana-community/helm-charts; package vendored in
   * vendor/helm-charts/ (loki-18.11.0, git tag loki-18.11.0).
   */
  // renovate: datasource=helm registryUrl=https://grafana-community.github.io/helm-charts depName=loki
  loki: { repoURL: 'https://grafana-community.github.io/helm-charts', chart: 'loki', version: '18.11.0' },
  /** Hub trace store: Tempo 2.10.8 (appVersion), monolithic chart on a PVC; vendored (tempo-2.2.4, git tag tempo-2.2.4). */
  // renovate: datasource=helm registryUrl=https://grafana-community.github.io/helm-charts depName=tempo
  tempo: { repoURL: 'https://grafana-community.github.io/helm-charts', chart: 'tempo', version: '2.2.4' },
  /**
   * Falco runtime security (docs/decisions/0028-falco-runtime-security.md): chart 9.1.0 ships Falco 0.44.1 (appVersion);
   * vendored (falcosecurity/charts tag falco-9.1.0, sub-charts off). Image pinned in IMAGES.falco.
   */
  // renovate: datasource=helm registryUrl=https://falcosecurity.github.io/charts depName=falco
  falco: { repoURL: 'https://falcosecurity.github.io/charts', chart: 'falco', version: '9.1.0' },
  /**
   * Linkerd service mesh (charts/mesh, docs/decisions/0029-linkerd-service-mesh.md), stable-2.14.10: the newest
   * `stable-*` tag of linkerd/linkerd2 (1ea6b271718f90182bdf747490895784988e980e, 2024-02-20); the newer edge
   * charts declare kubeVersion >=1.31 and do not install on the fleet's K3s 1.28. Packages vendored in
   * vendor/helm-charts/ (provenance there). Images (cr.l5d.io/linkerd/controller, policy-controller, proxy at
   * stable-2.14.10; cni-plugin v1.3.0) are multi-arch: linkerd2 `stable-2.14.10` .github/workflows/release.yml builds
   * `docker-target: multi-arch`, bin/_docker.sh SUPPORTED_ARCHS `linux/amd64,linux/arm64,linux/arm/v7`;
   * linkerd2-proxy-init `cni-plugin/v1.3.0` (ad3680460703b841dc37eb538f7513595b494360)
   * .github/workflows/release-cni-plugin.yml `--platform linux/amd64,linux/arm64,linux/arm/v7`.
   */
  // renovate: datasource=helm registryUrl=https://helm.linkerd.io/stable depName=linkerd-crds
  linkerdCrds: { repoURL: 'https://helm.linkerd.io/stable', chart: 'linkerd-crds', version: '1.8.0' },
  // renovate: datasource=helm registryUrl=https://helm.linkerd.io/stable depName=linkerd-control-plane
  linkerdControlPlane: { repoURL: 'https://helm.linkerd.io/stable', chart: 'linkerd-control-plane', version: '1.16.11' },
  /** The Linkerd CNI plugin of the same tag (chart 30.12.2, image cr.l5d.io/linkerd/cni-plugin:v1.3.0): no NET_ADMIN init container in the meshed pods. */
  // renovate: datasource=helm registryUrl=https://helm.linkerd.io/stable depName=linkerd2-cni
  linkerdCni: { repoURL: 'https://helm.linkerd.io/stable', chart: 'linkerd2-cni', version: '30.12.2' },
  /**
   * The linkerd-smi extension v0.2.7 (chart 1.0.4, linkerd/linkerd-smi c0c39b1e125d4bc38d690e46d79178317e7d717b,
   * 2024-02-08; README compatibility matrix: v0.2.3 and later with Linkerd stable 2.13 and later): the TrafficSplit
   * CRD (split.smi-spec.io v1alpha1 storage, v1alpha2 served) and the smi-adaptor that turns TrafficSplits into
   * ServiceProfile dstOverrides, so that Argo Rollouts' SMI traffic routing (v1.9.0 writes v1alpha1 by default,
   * `--traffic-split-api-version`) weights the inference canary exactly through the mesh (ADR 0029 decision 5).
   * Packaged here like its bin/helm-build does (vendor/helm-charts/README.md). Images: cr.l5d.io/linkerd/smi-adaptor
   * v0.2.7, multi-arch per bin/docker-build (SUPPORTED_ARCHS `linux/amd64,linux/arm64,linux/arm/v7`, used with
   * DOCKER_MULTIARCH=1 by .github/workflows/release.yml at that tag, pushed to ghcr.io/linkerd, which the chart's
   * default cr.l5d.io/linkerd fronts as for the control plane); cr.l5d.io/linkerd/extension-init v0.1.0 (the chart's
   * post-install namespace-metadata hook): linkerd/linkerd-extension-init's .github/workflows/release.yml builds
   * `docker-target: multi-arch` (version read: 039416eaf5f0ef726bafa096ef1d5315dfd254ab; the v0.1.0 tree itself was
   * not available here).
   */
  // renovate: datasource=helm registryUrl=https://linkerd.github.io/linkerd-smi depName=linkerd-smi
  linkerdSmi: { repoURL: 'https://linkerd.github.io/linkerd-smi', chart: 'linkerd-smi', version: '1.0.4' },
  /**
   * Kyverno admission + reports controllers for the policies layer (docs/decisions/0027-admission-policies.md).
   * Chart 3.3.9 ships Kyverno v1.13.6 (kyverno/kyverno tag kyverno-chart-3.3.9 = v1.13.6), the newest release line
   * that supports Kubernetes 1.28 (the sample sites' K3s): chart 3.6.4 (v1.16.4) installs policies.kyverno.io CRDs
   * with `selectableFields`, which a 1.28 API server rejects under strict field validation, and 3.7.0 and later
   * cannot be built (vendor/helm-charts/README.md). Do not bump past 3.3.x before the fleet runs K3s >= 1.30.
   * Images are multi-arch: the v1.13.6 Makefile publishes them with `ko build --platform=all` (every platform of the
   * distroless base, linux/amd64 and linux/arm64 among them).
   */
  // renovate: datasource=helm registryUrl=https://kyverno.github.io/kyverno depName=kyverno
  kyverno: { repoURL: 'https://kyverno.github.io/kyverno', chart: 'kyverno', version: '3.3.9' },
} as const satisfies Record<string, HelmChartRef>;

/**
 * Registries the images of each pinned chart come from, with the values the project renders (every image of every
 * release, hooks included; test/helm checks this list against `helm template` of each release). The
 * admission policies allow exactly these, the `IMAGES` registries and the fleet's own registry
 * (charts/policies). A chart bump that moves an image to another registry fails that test.
 */
export const HELM_CHART_IMAGE_REGISTRIES: Readonly<Record<keyof typeof HELM_CHARTS, readonly string[]>> = {
  argoRollouts: ['quay.io'],
  argoCd: ['quay.io', 'ecr-public.aws.com'],
  kubePrometheusStack: ['quay.io', 'registry.k8s.io', 'docker.io'],
  blackboxExporter: ['quay.io'],
  otelCollector: ['ghcr.io'],
  loki: ['docker.io'],
  tempo: ['docker.io'],
  kyverno: ['ghcr.io', 'docker.io'],
  falco: ['docker.io'],
  linkerdCrds: [],
  linkerdControlPlane: ['cr.l5d.io'],
  linkerdCni: ['cr.l5d.io'],
  linkerdSmi: ['cr.l5d.io'],
};

/**
 * The registry host of an image reference, as containerd resolves it: the first path component when it looks
 * like a host (has a `.` or `:`, or is `localhost`), else Docker Hub (`ollama/ollama` → `docker.io`).
 */
export function imageRegistry(image: string): string {
  const first = image.split('/')[0];
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** Every upstream registry a pinned image or chart pulls from, sorted (the fleet's own registry is not in it). */
export function upstreamRegistries(): string[] {
  const hosts = [...Object.values(IMAGES).map((i) => imageRegistry(i.repository)), ...Object.values(HELM_CHART_IMAGE_REGISTRIES).flat()];
  return [...new Set(hosts)].sort();
}

/** The Kubernetes minor the typed constructs (cdk8s-plus-28) target; see docs/decisions/0003. */
export const KUBERNETES_API_VERSION = '1.28';
