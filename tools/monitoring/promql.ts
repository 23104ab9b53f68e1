/**
 * PromQL as data: parse with the Prometheus project's own Lezer grammar (@prometheus-io/lezer-promql, the
 * parser behind the Prometheus UI), list the metric names an expression reads, and collect every expression
 * the rendered manifests carry (PrometheusRule rules, Argo Rollouts AnalysisTemplate queries, Grafana
 * dashboards shipped in ConfigMaps).
 *
 * The grammar is a superset of what a given Prometheus release accepts (it knows newer functions); that a
 * rule also loads in the Prometheus we run is promtool's job (scripts/ci/promtool.sh).
 */
import { parser } from '@prometheus-io/lezer-promql';
import { GRAFANA_DASHBOARD_LABEL } from '../../charts/monitoring/targets';

export interface ParsedPromql {
  /** Metric names read by vector selectors (`foo{a="b"}`, `{__name__="foo"}`), deduplicated, sorted. */
  readonly metrics: readonly string[];
  /** Syntax errors as `offset N: near "…"`; empty when the expression parses. */
  readonly errors: readonly string[];
}

/**
 * Grafana template variables are not PromQL. Replace them with values of the same syntactic kind before
 * parsing: range macros become durations, anything else inside a query becomes a plain word.
 */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\[\$\{?\w+\}?\]/g, '[5m]')
    .replace(/\$\{(\w+)(:\w+)?\}/g, '$1')
    .replace(/\$(\w+)/g, '$1');
}

export function parsePromql(expr: string): ParsedPromql {
  if (expr.trim() === '') return { metrics: [], errors: ['empty expression'] };
  const tree = parser.parse(expr);
  const metrics = new Set<string>();
  const errors: string[] = [];
  const cursor = tree.cursor();
  do {
    const node = cursor.node;
    if (node.type.isError) {
      errors.push(`offset ${node.from}: near ${JSON.stringify(expr.slice(Math.max(0, node.from - 10), node.to + 10))}`);
      continue;
    }
    if (node.name !== 'VectorSelector') continue;
    const identifier = node.getChild('Identifier');
    if (identifier) {
      metrics.add(expr.slice(identifier.from, identifier.to));
      continue;
    }
    // `{__name__="foo"}`: the name is an equality matcher.
    const m = /__name__\s*=\s*"([^"]+)"/.exec(expr.slice(node.from, node.to));
    if (m) metrics.add(m[1]);
  } while (cursor.next());
  return { metrics: [...metrics].sort(), errors };
}

/** One PromQL expression found in a rendered manifest, with where it came from. */
export interface FoundExpression {
  /** `PrometheusRule/monitoring/inference-slo: groups[0].rules[2] (InferenceHighLatency)` */
  readonly where: string;
  readonly expr: string;
  /** Set when the expression is a recording rule: the series it records. */
  readonly records?: string;
}

interface ManifestLike {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: unknown;
  readonly data?: Record<string, string>;
}


type Json = Record<string, unknown>;

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every PromQL expression in a Grafana dashboard: panel targets (rows included) and query variables. */
export function dashboardExpressions(dashboard: unknown, where: string): FoundExpression[] {
  const out: FoundExpression[] = [];
  if (!isJson(dashboard)) return out;
  const panels = (list: unknown, path: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((p, i) => {
      if (!isJson(p)) return;
      const title = typeof p.title === 'string' ? ` (${p.title})` : '';
      if (Array.isArray(p.targets)) {
        p.targets.forEach((t, j) => {
          if (isJson(t) && typeof t.expr === 'string') out.push({ where: `${where}: ${path}[${i}].targets[${j}]${title}`, expr: substituteGrafanaVariables(t.expr) });
        });
      }
      panels(p.panels, `${path}[${i}].panels`);
    });
  };
  panels(dashboard.panels, 'panels');
  const templating = dashboard.templating;
  if (isJson(templating) && Array.isArray(templating.list)) {
    templating.list.forEach((v, i) => {
      if (!isJson(v) || v.type !== 'query') return;
      const q = isJson(v.query) ? v.query.query : v.query;
      if (typeof q !== 'string') return;
      // label_values(<selector>, <label>) and query_result(<expr>) wrap PromQL; label_values(<label>) reads nothing.
      const m = /^\s*(?:label_values\((.+),\s*\w+\s*\)|query_result\((.+)\))\s*$/s.exec(q);
      const inner = m?.[1] ?? m?.[2];
      if (inner) out.push({ where: `${where}: templating.list[${i}] (${String(v.name)})`, expr: substituteGrafanaVariables(inner) });
    });
  }
  return out;
}

/** Every PromQL expression carried by a set of rendered objects. */
export function collectExpressions(objects: readonly unknown[]): FoundExpression[] {
  const out: FoundExpression[] = [];
  for (const raw of objects) {
    const o = raw as ManifestLike;
    const id = `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? '?'}`;
    if (o.kind === 'PrometheusRule' && isJson(o.spec) && Array.isArray(o.spec.groups)) {
      o.spec.groups.forEach((g: unknown, gi: number) => {
        if (!isJson(g) || !Array.isArray(g.rules)) return;
        g.rules.forEach((r: unknown, ri: number) => {
          if (!isJson(r)) return;
          const name = typeof r.alert === 'string' ? r.alert : typeof r.record === 'string' ? r.record : '?';
          out.push({
            where: `${id}: groups[${gi}].rules[${ri}] (${name})`,
            expr: String(r.expr),
            records: typeof r.record === 'string' ? r.record : undefined,
          });
        });
      });
    }
    if (o.kind === 'AnalysisTemplate' || o.kind === 'ClusterAnalysisTemplate') {
      const metrics = isJson(o.spec) && Array.isArray(o.spec.metrics) ? o.spec.metrics : [];
      metrics.forEach((m: unknown, i: number) => {
        if (!isJson(m) || !isJson(m.provider) || !isJson(m.provider.prometheus)) return;
        const q = m.provider.prometheus.query;
        // Argo Rollouts renders {{args.x}} before querying; treat the placeholder as a plain label value.
        if (typeof q === 'string') out.push({ where: `${id}: spec.metrics[${i}] (${String(m.name)})`, expr: q.replace(/\{\{\s*args\.[\w-]+\s*\}\}/g, 'arg') });
      });
    }
    if (o.kind === 'ConfigMap' && o.metadata?.labels?.[GRAFANA_DASHBOARD_LABEL] !== undefined) {
      for (const [key, text] of Object.entries(o.data ?? {})) {
        if (!key.endsWith('.json')) continue;
        let dashboard: unknown;
        try {
          dashboard = JSON.parse(text);
        } catch (e) {
          out.push({ where: `${id}: data.${key}`, expr: `__invalid_json__ ${(e as Error).message}` });
          continue;
        }
        out.push(...dashboardExpressions(dashboard, `${id}: data.${key}`));
      }
    }
  }
  return out;
}

/** A PromQL expression that fails the contract. */
export interface ContractViolation {
  readonly where: string;
  readonly expr: string;
  readonly problem: string;
}

/**
 * Checks expressions against the names an exporter deployed at the site emits plus the series recorded by
 * recording rules among `expressions`. Returns one violation per unparsable expression or unknown metric.
 */
export function checkMetricContract(expressions: readonly FoundExpression[], known: ReadonlySet<string>): ContractViolation[] {
  const recorded = new Set(expressions.flatMap((e) => (e.records ? [e.records] : [])));
  const out: ContractViolation[] = [];
  for (const e of expressions) {
    const parsed = parsePromql(e.expr);
    for (const err of parsed.errors) out.push({ where: e.where, expr: e.expr, problem: `does not parse as PromQL (${err})` });
    for (const m of parsed.metrics) {
      if (!known.has(m) && !recorded.has(m)) out.push({ where: e.where, expr: e.expr, problem: `reads "${m}", which no exporter deployed here emits and no recording rule here records` });
    }
  }
  return out;
}
