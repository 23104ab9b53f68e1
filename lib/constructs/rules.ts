/**
 * Rule modules return their rule groups together with the promtool unit tests of their alerts, so that an
 * alert cannot be added without a case where it fires and a case where it stays silent (the
 * kubernetes-mixin convention, enforced by test/monitoring/promtool.test.ts).
 */
import { AlertSpec, RecordingSpec, RuleGroupSpec, Severity } from './telemetry';

/** One input series in promtool's expanding notation, e.g. `0+60x300` (one sample per `interval`). */
export interface SeriesInput {
  /** Series selector with labels, e.g. `inference_requests_total{code="200", model="bearing-anomaly"}`. */
  readonly series: string;
  readonly values: string;
}

/** An alert expected to be firing at the case's evaluation time. */
export interface ExpectedAlert {
  /** Picks the rule (same alert name) that fires: its severity… */
  readonly severity: Severity;
  /** …and its extra labels (e.g. the burn-rate windows `long`/`short`), if the name has several rules. */
  readonly ruleLabels?: Readonly<Record<string, string>>;
  /** Labels the firing series carry besides the rule's own labels (`model`, `node`, …). */
  readonly labels: Readonly<Record<string, string>>;
}

export interface AlertCase {
  /** What the case shows, for the generated file's comments and failure messages. */
  readonly name: string;
  /** Time between input samples. @default 1m */
  readonly interval?: string;
  readonly input: readonly SeriesInput[];
  /** When the alert is evaluated, e.g. `20m`. */
  readonly evalTime: string;
  /** Alerts of this name firing at evalTime; empty = the alert must stay silent. */
  readonly expect: readonly ExpectedAlert[];
}

/** The promtool cases of one alert name. */
export interface AlertTests {
  readonly alert: string;
  readonly cases: readonly AlertCase[];
}

/** What a rule module contributes: PrometheusRule groups and the tests of every alert in them. */
export interface RuleModule {
  /** PrometheusRule object name (stable: renaming it makes Argo CD prune and recreate the rules). */
  readonly name: string;
  readonly groups: readonly RuleGroupSpec[];
  readonly tests: readonly AlertTests[];
}

export function isAlert(rule: AlertSpec | RecordingSpec): rule is AlertSpec {
  return 'alert' in rule;
}

/** Every alert rule of a module. */
export function alertsOf(module: Pick<RuleModule, 'groups'>): AlertSpec[] {
  return module.groups.flatMap((g) => g.rules.filter(isAlert));
}

/**
 * Formats a number for PromQL and label values without binary floating-point noise
 * (`1 - 0.995` is 0.0050000000000000044 in JavaScript; the rule must say 0.005).
 */
export function num(value: number): string {
  return String(Number(value.toPrecision(12)));
}
