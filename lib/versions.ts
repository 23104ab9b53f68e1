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
  inferenceServer: { repository: 'ghcr.io/edge-ai-gitops/inference-server', tag: '0.1.0', architectures: ['amd64', 'arm64'] },
} as const satisfies Record<string, ImageRef>;

export const HELM_CHARTS = {} as const satisfies Record<string, HelmChartRef>;

/** The Kubernetes minor the typed constructs (cdk8s-plus-28) target; see docs/decisions/0003. */
export const KUBERNETES_API_VERSION = '1.28';
