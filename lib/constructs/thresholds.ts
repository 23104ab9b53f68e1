/**
 * Alert thresholds that are platform policy rather than site facts, in one place (the kubernetes-mixin
 * `_config` convention). Site-specific objectives (SLO targets, the latency objective) come from the
 * inventory (`layers.inference.slo`); model minimum accuracy comes from each model's model.json.
 */
export const THRESHOLDS = {
  /**
   * Multi-window, multi-burn-rate alerting for a 30-day SLO (Google SRE Workbook, "Alerting on SLOs", table 5-8):
   * page when 2% of the monthly budget burns in 1 h or 5% in 6 h; open a ticket when 10% burns in 1 d or 3 d.
   * The short window (1/12 of the long one) makes the alert stop soon after the burn stops. `forDuration`
   * follows kubernetes-mixin's apiserver burn-rate alerts.
   */
  burnRates: [
    { severity: 'critical', long: '1h', short: '5m', factor: 14.4, forDuration: '2m' },
    { severity: 'critical', long: '6h', short: '30m', factor: 6, forDuration: '15m' },
    { severity: 'warning', long: '1d', short: '2h', factor: 3, forDuration: '1h' },
    { severity: 'warning', long: '3d', short: '6h', factor: 1, forDuration: '3h' },
  ],
  /** HighInferenceLatency: p95 over the objective for this long (the seed's intent, on the real histogram). */
  highLatencyFor: '10m',
  /** Model accuracy is measured once per model load; a low score is not transient. */
  accuracyFor: '5m',
  /** No inference target answering scrapes for this long = the service is down (clients see refusals, not 5xx). */
  inferenceDownFor: '5m',
  /** Crash loops: kube-state-metrics' waiting reason, kubernetes-mixin's KubePodCrashLooping timing. */
  crashLoopFor: '15m',
  /** Ollama probe failing for this long (a model load can stall /api/version for seconds, not minutes). */
  ollamaDownFor: '5m',
  /** Working set above this fraction of the container memory limit: the next model load or context is an OOM kill. */
  memoryLimitRatio: 0.9,
  memoryLimitFor: '15m',
  /** Restarts within `restartWindow` above this count: an OOM-kill or crash loop the waiting reason may miss. */
  restartCount: 2,
  restartWindow: '30m',
  nodeNotReadyFor: '5m',
  nodeMemoryPressureFor: '5m',
  /**
   * Argo CD: OutOfSync is normal while a site waits for its sync window, so the alert waits longer than the
   * longest gap between daily windows when the site has any; Degraded is never normal.
   */
  argoOutOfSyncFor: '1h',
  argoOutOfSyncForWithSyncWindows: '25h',
  argoDegradedFor: '15m',
  /** Mesh sites (ADR 0029): a control-plane Deployment without an available pod for this long. */
  linkerdControlPlaneDownFor: '5m',
  /** A pod of a meshed namespace without its proxy (created while the fail-open injector was unreachable). */
  linkerdProxyMissingFor: '15m',
  /** Proxies renew their 24 h certificate at 70 % of its life (≥ ~7 h left): less than this means renewals fail. */
  linkerdCertMinRemainingHours: 6,
  linkerdCertExpiringFor: '15m',
} as const;

export type BurnRateWindow = (typeof THRESHOLDS.burnRates)[number];

/** Every range window the SLO recording rules need (short and long windows of all burn rates). */
export function sloWindows(): string[] {
  const seconds = (d: string): number => Number(d.slice(0, -1)) * { m: 60, h: 3600, d: 86400 }[d.slice(-1) as 'm' | 'h' | 'd'];
  const all = new Set(THRESHOLDS.burnRates.flatMap((b) => [b.short, b.long]));
  return [...all].sort((a, b) => seconds(a) - seconds(b));
}
