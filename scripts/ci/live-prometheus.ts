/**
 * Live check against real engines (issue 5): the project's inference server with the sample model, and
 * Debian's Prometheus scraping it with the rule files rendered into dist/ loaded. Asserts through
 * Prometheus' HTTP API that
 *   1. every inference-server series the rules read exists (metric names, and every `le` bucket a
 *      selector names — Prometheus 3 rewrites `le` values, so a hard-coded bucket can silently match nothing);
 *   2. every SLI recording rule of the inference groups produces a sample;
 *   3. every rule group evaluates without error (health "ok", no lastError);
 *   4. the alerts that must be silent on a healthy server (server down, accuracy below minimum) evaluate
 *      to nothing;
 *   5. the A/B comparison (AnalysisTemplate inference-ab of the site that runs a split, ADR 0022) against
 *      the server serving both versions with that site's MODEL_TRAFFIC_SPLIT: every query returns a value,
 *      and the verdict is the one the versions' accuracies on the shared eval set call for (the sample's
 *      candidate 1.1.0 is 2.75 points below 1.0.0, so the comparison must fail: abort, not promote).
 * Loopback only, bounded in time (--timeout-seconds, default 180), children stopped by their PIDs on exit.
 *
 *   node .build/live-prometheus.js --server .build/inference-server/main.js [--dist dist] [--keep]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { parser } from '@prometheus-io/lezer-promql';
import { Exporter, METRIC_CATALOGUE } from '../../lib/constructs/metrics';
import { extractRuleFiles } from '../../tools/monitoring/artifacts';
import { parsePromql } from '../../tools/monitoring/promql';
import { INFERENCE_NAMESPACE } from '../../charts/inference/names';
import { api, freePort, LOOPBACK, Processes, query, sleep, startInferenceServer, waitFor } from './live-support';
import { AB_ANALYSIS_TEMPLATE_NAME, AB_ARGS, AB_TOLERANCE } from '../../charts/inference/analysis';

interface Options {
  readonly server: string;
  readonly dist: string;
  readonly models: string;
  readonly timeoutSeconds: number;
  readonly keep: boolean;
}

function parse(argv: readonly string[]): Options {
  const o = { server: '.build/inference-server/main.js', dist: 'dist', models: 'models/onnx', timeoutSeconds: 180, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--server') o.server = argv[++i];
    else if (a === '--dist') o.dist = argv[++i];
    else if (a === '--models') o.models = argv[++i];
    else if (a === '--timeout-seconds') o.timeoutSeconds = Number(argv[++i]);
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

let procs: Processes;

/** Text of every vector selector of an expression (`metric{matchers}`). */
function selectors(expr: string): string[] {
  const out: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.node.name === 'VectorSelector') out.push(expr.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return out;
}

interface RuleJson {
  alert?: string;
  record?: string;
  expr: string;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  procs = new Processes(mkdtempSync(join(tmpdir(), 'live-prometheus-')));
  const workDir = procs.workDir;
  const failures: string[] = [];

  // Rules exactly as dist/ carries them.
  const { files } = extractRuleFiles(o.dist);
  if (!files.size) throw new Error(`${o.dist}/ has no PrometheusRules: run npm run synth first`);
  const ruleFiles: string[] = [];
  const rules: RuleJson[] = [];
  for (const [stem, content] of files) {
    const path = join(workDir, `${stem}.rules.yaml`);
    writeFileSync(path, content);
    ruleFiles.push(path);
    for (const g of (yaml.load(content) as { groups: { rules: RuleJson[] }[] }).groups) rules.push(...g.rules);
  }

  // The site running an A/B test: its split (Rollout env) and its comparison template, as dist/ renders them.
  const ab = abSite(o.dist);
  console.log(`A/B site ${ab.site}: MODEL_TRAFFIC_SPLIT=${ab.split}`);

  // The inference server with the sample model repository, split as that site splits.
  const serverBase = await startInferenceServer(procs, o.server, o.models, deadline, { MODEL_TRAFFIC_SPLIT: ab.split });

  // Prometheus scraping it every 2 s, evaluating every 2 s. The target gets the labels a ServiceMonitor
  // would give it in the cluster (namespace, pod), which the rules select on.
  const promPort = await freePort();
  const config = {
    global: { scrape_interval: '2s', evaluation_interval: '2s' },
    rule_files: ruleFiles,
    scrape_configs: [
      {
        job_name: 'inference-server',
        static_configs: [{ targets: [new URL(serverBase).host], labels: { namespace: INFERENCE_NAMESPACE, pod: 'inference-server-0' } }],
      },
    ],
  };
  writeFileSync(join(workDir, 'prometheus.yml'), yaml.dump(config));
  procs.start('prometheus', 'prometheus', [
    `--config.file=${join(workDir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(workDir, 'data')}`,
    `--web.listen-address=${LOOPBACK}:${promPort}`,
    '--log.level=warn',
  ]);
  const promBase = `http://${LOOPBACK}:${promPort}`;
  await waitFor('Prometheus to be ready', deadline, async () => (await fetch(`${promBase}/-/ready`)).ok);

  // Scrape the server at least once before any traffic, so that every counter's first sample is its
  // starting value and the rates below see the increases (Prometheus hands new targets to the scrape loop
  // only every few seconds).
  await waitFor('the first scrape of the inference server', deadline, async () => (await query(promBase, 'up{job="inference-server"} == 1')).length > 0);

  // Traffic: successful inferences, a bad request (400) and an unknown model (404 → model="_unknown").
  const baseline = join(o.models, 'bearing-anomaly', ab.args[AB_ARGS.baseline]);
  const meta = JSON.parse(readFileSync(join(baseline, 'model.json'), 'utf8')) as { name: string; inputs: { name: string }[] };
  const evalSet = JSON.parse(readFileSync(join(baseline, 'eval.json'), 'utf8')) as { features: number[][] };
  const infer = (model: string, body: unknown): Promise<Response> =>
    fetch(`${serverBase}/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const codes = new Map<number, number>();
  for (let round = 0; round < 4; round++) {
    for (const row of evalSet.features.slice(0, 20)) {
      const res = await infer(meta.name, { inputs: [{ name: meta.inputs[0].name, datatype: 'FP32', shape: [1, row.length], data: row }] });
      codes.set(res.status, (codes.get(res.status) ?? 0) + 1);
    }
    const bad = await infer(meta.name, { inputs: [{ name: meta.inputs[0].name, datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] });
    const unknown = await infer('no-such-model', { inputs: [] });
    codes.set(bad.status, (codes.get(bad.status) ?? 0) + 1);
    codes.set(unknown.status, (codes.get(unknown.status) ?? 0) + 1);
    await sleep(3000); // a scrape between rounds, so rates see increases
  }
  console.log(`sent inference requests: ${[...codes].map(([c, n]) => `${n}×${c}`).join(', ')}`);
  if (!codes.get(200)) failures.push('no inference request succeeded');

  // Wait for the SLI recordings to appear (two scrapes and an evaluation after the traffic).
  await waitFor('the SLI recording rules to produce samples', deadline, async () => (await query(promBase, 'model:inference_requests:rate5m')).length > 0);
  await sleep(4000); // one more evaluation round of every group

  // 1. Every inference-server series the rules read exists; every `le` bucket they name matches.
  const serverMetrics = new Set(METRIC_CATALOGUE[Exporter.InferenceServer]);
  const used = new Set<string>();
  const bucketSelectors = new Set<string>();
  for (const r of rules) {
    for (const m of parsePromql(r.expr).metrics) if (serverMetrics.has(m)) used.add(m);
    for (const s of selectors(r.expr)) if (/_bucket\{.*\ble(=|=~)"/.test(s)) bucketSelectors.add(s.replace(/,?\s*code=~"5\.\."/, ''));
  }
  for (const m of [...used].sort()) {
    const series = await api<unknown[]>(promBase, `/api/v1/series?match[]=${encodeURIComponent(m)}`);
    console.log(`series ${m}: ${series.length}`);
    if (series.length === 0) failures.push(`the rules read ${m} but the live server exposes no such series`);
  }
  for (const s of [...bucketSelectors].sort()) {
    const n = (await query(promBase, `count(${s})`)).length;
    console.log(`selector ${s}: ${n ? 'matches' : 'matches nothing'}`);
    if (!n) failures.push(`selector ${s} matches no series of the live server (wrong bucket boundary or le formatting)`);
  }
  if (used.size === 0) failures.push('no rule reads an inference-server metric: the inference rules are missing from dist/');

  // 2. Every SLI recording rule produces a sample.
  const recorded = [...new Set(rules.filter((r) => r.record && /^model:inference_/.test(r.record)).map((r) => r.record as string))].sort();
  for (const name of recorded) {
    const result = await query(promBase, name);
    console.log(`recording ${name}: ${result.map((x) => `${x.metric.model}=${x.value[1]}`).join(' ') || 'no sample'}`);
    if (result.length === 0) failures.push(`recording rule ${name} produced no sample from the live server's series`);
    // NaN would mean 0/0: the rule divides by a series that does not move (wrong selector or label).
    for (const x of result) if (!Number.isFinite(Number(x.value[1]))) failures.push(`recording rule ${name} is ${x.value[1]} for model ${x.metric.model}`);
  }

  // 3. Every rule group evaluates without error.
  const groups = await api<{ groups: { name: string; file: string; rules: { name: string; health: string; lastError?: string }[] }[] }>(promBase, '/api/v1/rules');
  let ruleCount = 0;
  for (const g of groups.groups) {
    for (const r of g.rules) {
      ruleCount++;
      if (r.health !== 'ok' || r.lastError) failures.push(`rule ${r.name} of group ${g.name} (${g.file}): health ${r.health} ${r.lastError ?? ''}`);
    }
  }
  console.log(`rule groups: ${groups.groups.length}, rules: ${ruleCount}, all evaluated`);
  if (groups.groups.length === 0) failures.push('Prometheus loaded no rule group');

  // 4. Alerts that a healthy server must not trigger evaluate to nothing.
  for (const r of rules.filter((x) => x.alert === 'InferenceServerDown' || x.alert === 'ModelAccuracyBelowMinimum')) {
    const result = await query(promBase, r.expr);
    if (result.length) failures.push(`${r.alert} would fire against the healthy server: ${JSON.stringify(result[0].metric)}`);
  }

  // 5. The A/B comparison, evaluated on the live series of both versions.
  const accuracyOf = async (version: string): Promise<number> =>
    Number((await query(promBase, `model_accuracy_score{model="${ab.args[AB_ARGS.model]}", version="${version}"}`))[0]?.value[1]);
  const expectedDelta = (await accuracyOf(ab.args[AB_ARGS.candidate])) - (await accuracyOf(ab.args[AB_ARGS.baseline]));
  for (const m of ab.metrics) {
    const expr = m.query.replace(/\{\{args\.([a-z-]+)\}\}/g, (_s, name: string) => ab.args[name] ?? `{{args.${name}}}`);
    const values = (await query(promBase, expr)).map((x) => Number(x.value[1]));
    const verdict = decide(m.successCondition, values);
    console.log(`A/B ${m.name}: ${values.map((v) => v.toFixed(4)).join(', ') || 'no data'} → ${verdict ? 'pass' : 'fail'} (${m.successCondition})`);
    if (values.length !== 1 || !Number.isFinite(values[0])) failures.push(`A/B ${m.name} returned ${JSON.stringify(values)} with traffic on both versions; expected one finite value`);
    if (m.name === 'accuracy-vs-baseline') {
      if (Math.abs(values[0] - expectedDelta) > 1e-9) failures.push(`A/B accuracy delta ${values[0]} differs from the served accuracies' difference ${expectedDelta}`);
      const shouldPass = expectedDelta >= -AB_TOLERANCE.accuracyDrop;
      if (verdict !== shouldPass) failures.push(`A/B accuracy verdict ${verdict} but the candidate is ${expectedDelta.toFixed(4)} vs baseline (tolerance ${AB_TOLERANCE.accuracyDrop})`);
    }
  }

  if (failures.length) {
    for (const f of failures) console.error(`FAIL: ${f}`);
    throw new Error(`${failures.length} live check(s) failed (logs in ${workDir})`);
  }
  console.log('live-prometheus: every inference series the rules use exists and every rule group evaluates cleanly');
}

/** The fields of rendered objects read here (a Rollout or an AnalysisTemplate). */
interface RenderedDoc {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string };
  readonly spec: {
    readonly template?: { readonly spec: { readonly containers: { readonly env?: { name: string; value: string }[] }[] } };
    readonly args?: { name: string; value: string }[];
    readonly metrics?: { name: string; successCondition: string; provider: { prometheus: { query: string } } }[];
  };
}

interface AbSite {
  readonly site: string;
  readonly split: string;
  readonly args: Record<string, string>;
  readonly metrics: { name: string; successCondition: string; query: string }[];
}

/** The first site in dist/ with an inference-ab AnalysisTemplate, with its Rollout's MODEL_TRAFFIC_SPLIT. */
function abSite(dist: string): AbSite {
  for (const site of readdirSync(dist).sort()) {
    let docs: RenderedDoc[];
    try {
      docs = yaml.loadAll(readFileSync(join(dist, site, 'inference.k8s.yaml'), 'utf8')) as RenderedDoc[];
    } catch {
      continue;
    }
    const template = docs.find((d) => d?.kind === 'AnalysisTemplate' && d.metadata?.name === AB_ANALYSIS_TEMPLATE_NAME);
    const rollout = docs.find((d) => d?.kind === 'Rollout');
    if (!template || !rollout) continue;
    const env = rollout.spec.template?.spec.containers[0].env ?? [];
    return {
      site,
      split: env.find((e) => e.name === 'MODEL_TRAFFIC_SPLIT')?.value ?? '',
      args: Object.fromEntries((template.spec.args ?? []).map((a) => [a.name, a.value])),
      metrics: (template.spec.metrics ?? []).map((m) => ({
        name: m.name,
        successCondition: m.successCondition,
        query: m.provider.prometheus.query,
      })),
    };
  }
  throw new Error(`no site in ${dist}/ renders AnalysisTemplate ${AB_ANALYSIS_TEMPLATE_NAME}: a sample site must run an A/B split (layers.inference.traffic)`);
}

/**
 * The verdict of a successCondition of the forms charts/inference/analysis.ts renders, and only those:
 * `len(result) > 0 && result[0] >= X` and `len(result) == 0 || isNaN(result[0]) || result[0] <= X`.
 * Anything else is an error here, so a new condition shape cannot be judged by a guess.
 */
function decide(condition: string, result: readonly number[]): boolean {
  const required = /^len\(result\) > 0 && result\[0\] (>=|<=) (-?[0-9.]+)$/.exec(condition);
  const lenient = /^len\(result\) == 0 \|\| isNaN\(result\[0\]\) \|\| result\[0\] (>=|<=) (-?[0-9.]+)$/.exec(condition);
  const m = required ?? lenient;
  if (!m) throw new Error(`live-prometheus cannot judge the successCondition ${JSON.stringify(condition)}: extend decide()`);
  if (result.length === 0) return !required;
  if (Number.isNaN(result[0])) return !required;
  return m[1] === '>=' ? result[0] >= Number(m[2]) : result[0] <= Number(m[2]);
}

const timer = setTimeout(() => {
  console.error('live-prometheus: overall timeout');
  procs?.stopAll();
  process.exit(1);
}, 10 * 60 * 1000);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    procs?.stopAll();
    process.exit(1);
  });
}

main().then(
  () => {
    procs.stopAll();
    clearTimeout(timer);
    if (!process.argv.includes('--keep')) rmSync(procs.workDir, { recursive: true, force: true });
  },
  (e: Error) => {
    console.error(`live-prometheus: ${e.message}`);
    if (procs) console.error(procs.tails());
    procs?.stopAll();
    clearTimeout(timer);
    process.exitCode = 1;
  },
);
