/** The inference dashboard: request rate, error ratio, latency, accuracy and restarts per model. */
import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardContribution, dashboardBase, DashboardScope, Layout } from '../../lib/constructs/dashboard';
import { INFERENCE_METRICS } from '@edge-ai/inference-contract';
import { INFERENCE_NAMESPACE } from './names';
import { RECORDED } from './rules';

const INFERENCE_DASHBOARD = 'inference';

function inference(scope: DashboardScope, runtimes: readonly string[]): DashboardBuilder {
  const l = new Layout(scope);
  const d = dashboardBase(INFERENCE_DASHBOARD, 'Inference', scope);
  const by = scope === DashboardScope.Fleet ? 'site, model' : 'model';
  d.withPanel(l.timeseries('Requests per second', 'Inference requests per second by model (all answers; recording rule).', 'reqps', [{ expr: `sum by (${by}) (${l.sel(RECORDED.requestRate)})`, legend: l.legend('{{model}}') }]));
  d.withPanel(
    l.timeseries('Error ratio (5xx)', 'Share of valid requests (4xx excluded) answered 5xx over 5 minutes: what the availability SLO burns.', 'percentunit', [
      { expr: `max by (${by}) (${l.sel(RECORDED.errorRatio('5m'))})`, legend: l.legend('{{model}}') },
    ]),
  );
  const latency: { expr: string; legend: string }[] = [];
  if (runtimes.includes('onnx')) latency.push({ expr: `max by (${by}) (${l.sel(RECORDED.p95)})`, legend: l.legend('{{model}} p95') });
  if (runtimes.includes('triton')) latency.push({ expr: `max by (${by}) (${l.sel(RECORDED.mean)})`, legend: l.legend('{{model}} mean (Triton)') });
  d.withPanel(l.timeseries('Latency', 'p95 from the server histogram; Triton reports only a mean. Compare with layers.inference.slo.latencyP95Seconds.', 's', latency));
  if (runtimes.includes('onnx')) {
    // Per model version (A/B tests, ADR 0022), from the raw histogram: exemplars live on its buckets, so a
    // slow point links to the trace of a request that landed in that bucket.
    const buckets = l.sel(`${INFERENCE_METRICS.duration.name}_bucket`, `namespace="${INFERENCE_NAMESPACE}"`);
    d.withPanel(
      l.timeseries('Latency by version (exemplars → traces)', 'p95 per model version from the server histogram over 5 minutes; the dots are exemplars: the trace id of a request in that bucket.', 's', [
        { expr: `histogram_quantile(0.95, sum by (${by}, version, le) (rate(${buckets}[5m])))`, legend: l.legend('{{model}} {{version}} p95'), exemplar: true },
      ]),
    );
  }
  if (runtimes.includes('onnx')) {
    d.withPanel(
      l.timeseries('Model accuracy', 'Accuracy on the model\'s evaluation set, measured at load; the alert fires below the minimum of model.json.', 'percentunit', [
        { expr: `min by (${by}, version) (${l.sel(INFERENCE_METRICS.accuracy.name)})`, legend: l.legend('{{model}} {{version}}') },
        { expr: `max by (${by}, version) (${l.sel(INFERENCE_METRICS.minimumAccuracy.name)})`, legend: l.legend('{{model}} {{version}} minimum') },
      ]),
    );
  }
  d.withPanel(
    l.timeseries('Pod restarts', 'Container restarts in the inference namespace over 1 hour.', 'none', [
      { expr: `sum by (${scope === DashboardScope.Fleet ? 'site, ' : ''}pod) (increase(${l.sel('kube_pod_container_status_restarts_total', `namespace="${INFERENCE_NAMESPACE}"`)}[1h]))`, legend: l.legend('{{pod}}') },
    ]),
  );
  return d;
}

/** `runtime`: the latency panel shows the server's p95 (onnx) and/or Triton's mean; the fleet shows both where used. */
export function inferenceDashboard(runtime: string): DashboardContribution {
  return { id: INFERENCE_DASHBOARD, facts: [runtime], build: (scope, runtimes) => inference(scope, runtimes) };
}
