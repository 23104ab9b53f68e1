/**
 * The telemetry contract shared by every layer (STYLE: "a layer owns its telemetry").
 *
 * - The site Prometheus selects ServiceMonitors, PodMonitors, Probes and PrometheusRules by one label set,
 *   defined here once and applied by these helpers (kube-prometheus-stack would otherwise only pick up
 *   objects carrying its `release` label).
 * - Every alert gets `severity`, `summary`, `description` and a `runbook_url` added in one place, pointing at
 *   `docs/runbooks/<runbook>.md` (a test checks the file exists).
 */
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring-monitoring.coreos.com';
import { PlatformSettings } from '../model/site';

/** Labels the site Prometheus selects monitoring objects by. */
export const PROMETHEUS_SELECTOR_LABELS: Readonly<Record<string, string>> = { 'edge-ai.io/prometheus': 'site' };

/*
 * Where the monitoring layer's pods run and how other layers reach or admit them (docs/decisions/0011).
 * Pod labels are the charts' own selector labels, verified in their sources: the Prometheus Operator labels
 * every Prometheus pod `app.kubernetes.io/name: prometheus` (pkg/prometheus/server/statefulset.go), the
 * prometheus-blackbox-exporter chart uses its chart name (templates/_helpers.tpl selectorLabels), the
 * opentelemetry-collector chart likewise. Import these; never spell the labels again.
 */
/** Namespace of Prometheus, Alertmanager, the blackbox exporter and the OpenTelemetry Collector. */
export const MONITORING_NAMESPACE = 'monitoring';
/** Labels of the site Prometheus pods: admit them in your NetworkPolicy ingress (namespace MONITORING_NAMESPACE). */
export const PROMETHEUS_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'prometheus' };
/** Labels of the blackbox exporter pods that run `Probe`s: admit them on the probed port. */
export const BLACKBOX_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'prometheus-blackbox-exporter' };
/** Labels of the OpenTelemetry Collector pods: allow egress to them on the OTLP ports. */
export const OTEL_COLLECTOR_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'opentelemetry-collector' };
/** Container port of the Prometheus API (for NetworkPolicy egress to Prometheus). */
export const PROMETHEUS_PORT = 9090;
/** The site Prometheus HTTP API (Argo Rollouts AnalysisTemplates: `provider.prometheus.address`). */
export const PROMETHEUS_URL = `http://kube-prometheus-stack-prometheus.${MONITORING_NAMESPACE}.svc:${PROMETHEUS_PORT}`;
/** `Probe.spec.prober.url`: the site blackbox exporter Service (host:port, no scheme). */
export const BLACKBOX_PROBER_URL = `prometheus-blackbox-exporter.${MONITORING_NAMESPACE}.svc:9115`;
/** The blackbox module for HTTP health endpoints (`Probe.spec.module`): GET, 2xx expected, IPv4. */
export const BLACKBOX_HTTP_MODULE = 'http_2xx';
/** `Probe.spec.jobName` of the Ollama probe: the Ollama alerts select `probe_success{job="ollama"}`. */
export const OLLAMA_PROBE_JOB = 'ollama';
/** OTLP ports of the collector Service. */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
/**
 * `OTEL_EXPORTER_OTLP_ENDPOINT` for workloads at the site: OTLP/HTTP (the inference server exports with
 * @opentelemetry/exporter-trace-otlp-proto, i.e. http/protobuf, which appends /v1/traces itself).
 */
export const OTEL_COLLECTOR_ENDPOINT = `http://otel-collector.${MONITORING_NAMESPACE}.svc:${OTLP_HTTP_PORT}`;
/** OTLP/gRPC address of the same collector (for SDKs configured with OTEL_EXPORTER_OTLP_PROTOCOL=grpc). */
export const OTEL_COLLECTOR_GRPC_ENDPOINT = `http://otel-collector.${MONITORING_NAMESPACE}.svc:${OTLP_GRPC_PORT}`;

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  /** Pending duration, e.g. `5m`. */
  readonly for?: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
  /** Runbook file name without `.md` in docs/runbooks/. */
  readonly runbook: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RecordingSpec {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RuleGroupSpec {
  readonly name: string;
  /** @default the Prometheus global evaluation interval */
  readonly interval?: string;
  readonly rules: readonly (AlertSpec | RecordingSpec)[];
}

/** Browsable runbook address for `runbook_url`: the fleet repository's web address at the tracked revision. */
export function runbookUrl(platform: Pick<PlatformSettings, 'webURL' | 'targetRevision'>, runbook: string): string {
  return `${platform.webURL}/blob/${platform.targetRevision}/docs/runbooks/${runbook}.md`;
}

function isAlert(rule: AlertSpec | RecordingSpec): rule is AlertSpec {
  return 'alert' in rule;
}

export interface RuleProps {
  readonly name: string;
  readonly namespace: string;
  readonly groups: readonly RuleGroupSpec[];
  /** Where the runbook links point (fleet.yaml git, through the catalogue). */
  readonly platform: Pick<PlatformSettings, 'webURL' | 'targetRevision'>;
}

/** A PrometheusRule carrying the selector labels, with the standard alert annotations added. */
export function prometheusRule(scope: Construct, id: string, props: RuleProps): PrometheusRule {
  return new PrometheusRule(scope, id, {
    metadata: {
      name: props.name,
      namespace: props.namespace,
      labels: { 'app.kubernetes.io/name': props.name, ...PROMETHEUS_SELECTOR_LABELS },
    },
    spec: {
      groups: props.groups.map((g) => ({
        name: g.name,
        interval: g.interval,
        rules: g.rules.map((r) =>
          isAlert(r)
            ? {
                alert: r.alert,
                expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
                for: r.for,
                labels: { severity: r.severity, ...r.labels },
                annotations: { summary: r.summary, description: r.description, runbook_url: runbookUrl(props.platform, r.runbook) },
              }
            : { record: r.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr), labels: r.labels ? { ...r.labels } : undefined },
        ),
      })),
    },
  });
}
