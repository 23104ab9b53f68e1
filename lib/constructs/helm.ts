/**
 * A Helm chart a layer needs at a site (Argo Rollouts, kube-prometheus-stack, blackbox exporter, the
 * OpenTelemetry Collector). Layers declare releases; the gitops layer renders each as an Argo CD
 * Application with the pinned chart and `valuesObject` from TypeScript, ordered by sync wave.
 */
import { Consumer } from '../model/capacity';
import { HelmChartRef } from '../model/versions';

/** A field Argo CD leaves as it is live (`spec.ignoreDifferences`, honoured on sync by RespectIgnoreDifferences). */
export interface HelmIgnoreDifference {
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly jsonPointers?: readonly string[];
  readonly jqPathExpressions?: readonly string[];
}

export interface HelmRelease {
  /** Release name; the Application is named `<site>-<name>`. */
  readonly name: string;
  readonly chart: HelmChartRef;
  /** Destination namespace (declared by a layer, created by the baseline layer). */
  readonly namespace: string;
  /** Helm values rendered from TypeScript. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Argo CD sync wave: controllers that install CRDs use negative waves so CRs come after them. */
  readonly syncWave: number;
  /** Requests the release's pods place on the site (for the capacity check). */
  readonly requests: readonly Consumer[];
  /** Apply server-side (CRDs and objects over the 256 KiB last-applied annotation limit). @default true */
  readonly serverSideApply?: boolean;
  /**
   * Fields the chart renders differently every time (generated certificates and checksums over them), kept as
   * they are live, in addition to the webhook caBundles every release ignores. @default none
   */
  readonly ignoreDifferences?: readonly HelmIgnoreDifference[];
}
