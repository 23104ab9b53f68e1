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
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../imports/monitoring-monitoring.coreos.com';
import { PLATFORM } from './site';

/** Labels the site Prometheus selects monitoring objects by. */
export const PROMETHEUS_SELECTOR_LABELS: Readonly<Record<string, string>> = { 'edge-ai.io/prometheus': 'site' };

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

/** Browsable runbook address for `runbook_url`. */
export function runbookUrl(runbook: string): string {
  const web = PLATFORM.repoURL.replace(/\.git$/, '');
  return `${web}/blob/${PLATFORM.targetRevision}/docs/runbooks/${runbook}.md`;
}

function isAlert(rule: AlertSpec | RecordingSpec): rule is AlertSpec {
  return 'alert' in rule;
}

export interface RuleProps {
  readonly name: string;
  readonly namespace: string;
  readonly groups: readonly RuleGroupSpec[];
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
                annotations: { summary: r.summary, description: r.description, runbook_url: runbookUrl(r.runbook) },
              }
            : { record: r.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr), labels: r.labels ? { ...r.labels } : undefined },
        ),
      })),
    },
  });
}
