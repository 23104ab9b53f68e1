/**
 * Live check of the site → hub metrics path with real engines (issue 13, acceptance 4):
 *   the real inference server ← a site Prometheus (Debian's, scraping it every 2 s, with the site's rule
 *   files of dist/ and its external labels site and ring) → remote_write → a hub Prometheus started with
 *   `--web.enable-remote-write-receiver` and the hub rule file of dist/ (fleet rules).
 * Asserts that
 *   1. the hub receives the site's series (scraped and recorded) with the labels site and ring;
 *   2. `SiteNotReporting` behaves as its promtool cases say: silent for the reporting site, firing for the
 *      inventory's sites that send nothing, and firing for the site once its Prometheus stops (uplink lost);
 *   3. every hub rule group evaluates without error on the received series.
 * Time-scaled so that it runs in about a minute: the hub's lookback is 15 s instead of 5 min and the alert's
 * `for` 20 s instead of 15 min (the expression is exactly dist/'s). Loopback only, children stopped by PID.
 *
 *   node .build/live-remote-write.js --server .build/inference-server/main.js [--dist dist] [--site office] [--keep]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { INFERENCE_NAMESPACE } from '../../charts/inference/names';
import { FLEET_INHIBIT_SOURCE } from '../../charts/monitoring/fleet-rules';
import { extractRuleFiles, HUB } from '../../tools/monitoring/artifacts';
import { api, freePort, LOOPBACK, Processes, query, sleep, startInferenceServer, waitFor } from './live-support';

interface Options {
  server: string;
  dist: string;
  models: string;
  site: string;
  keep: boolean;
}

function parse(argv: readonly string[]): Options {
  const o: Options = { server: '.build/inference-server/main.js', dist: 'dist', models: 'models/onnx', site: 'office', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--server') o.server = argv[++i];
    else if (a === '--dist') o.dist = argv[++i];
    else if (a === '--models') o.models = argv[++i];
    else if (a === '--site') o.site = argv[++i];
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

/** The hub's lookback and the alert's pending time in this run (the rendered rule says 15m, Prometheus 5m). */
const LOOKBACK = '15s';
const NOT_REPORTING_FOR = '20s';

interface RuleGroup {
  name: string;
  rules: { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string> }[];
}

async function main(procs: Processes, o: Options): Promise<void> {
  const deadline = Date.now() + 5 * 60 * 1000;
  const failures: string[] = [];
  const { files } = extractRuleFiles(o.dist);
  const hubRules = files.get(HUB);
  const siteRules = files.get(o.site);
  if (!hubRules || !siteRules) throw new Error(`${o.dist}/ lacks the hub or ${o.site} rules: run npm run synth first`);

  // The hub rules exactly as dist/ has them, but for the pending time of SiteNotReporting.
  const hubDoc = yaml.load(hubRules) as { groups: RuleGroup[] };
  const expected = new Map<string, string>(); // site → ring, from fleet:site:info
  for (const g of hubDoc.groups) {
    for (const r of g.rules) {
      if (r.alert === FLEET_INHIBIT_SOURCE) {
        console.log(`hub rule ${r.alert}: for ${r.for} → ${NOT_REPORTING_FOR} in this run; expr: ${r.expr}`);
        r.for = NOT_REPORTING_FOR;
      }
      if (r.record === 'fleet:site:info' && r.labels) expected.set(r.labels.site, r.labels.ring);
    }
  }
  const ring = expected.get(o.site);
  if (ring === undefined) throw new Error(`the hub rules do not expect site ${o.site} (fleet:site:info): is its monitoring layer on?`);
  writeFileSync(join(procs.workDir, 'hub.rules.yaml'), yaml.dump(hubDoc, { lineWidth: -1 }));
  writeFileSync(join(procs.workDir, 'site.rules.yaml'), siteRules);

  const serverBase = await startInferenceServer(procs, o.server, o.models, deadline);

  // Hub: receiver only (it scrapes nothing), the fleet rules.
  const hubPort = await freePort();
  writeFileSync(join(procs.workDir, 'hub.yml'), yaml.dump({ global: { evaluation_interval: '2s' }, rule_files: [join(procs.workDir, 'hub.rules.yaml')] }));
  procs.start('hub-prometheus', 'prometheus', [
    `--config.file=${join(procs.workDir, 'hub.yml')}`,
    `--storage.tsdb.path=${join(procs.workDir, 'hub-data')}`,
    `--web.listen-address=${LOOPBACK}:${hubPort}`,
    '--web.enable-remote-write-receiver',
    `--query.lookback-delta=${LOOKBACK}`,
    '--log.level=warn',
  ]);
  const hub = `http://${LOOPBACK}:${hubPort}`;
  await waitFor('the hub Prometheus', deadline, async () => (await fetch(`${hub}/-/ready`)).ok);

  // Site: scrapes the server, records the SLIs, remote-writes everything with its external labels.
  const sitePort = await freePort();
  const siteConfig = {
    global: { scrape_interval: '2s', evaluation_interval: '2s', external_labels: { site: o.site, ring } },
    rule_files: [join(procs.workDir, 'site.rules.yaml')],
    scrape_configs: [{ job_name: 'inference-server', static_configs: [{ targets: [new URL(serverBase).host], labels: { namespace: INFERENCE_NAMESPACE, pod: 'inference-server-0' } }] }],
    remote_write: [{ url: `${hub}/api/v1/write`, queue_config: { batch_send_deadline: '1s', min_backoff: '100ms', max_backoff: '1s' } }],
  };
  writeFileSync(join(procs.workDir, 'site.yml'), yaml.dump(siteConfig));
  procs.start('site-prometheus', 'prometheus', [
    `--config.file=${join(procs.workDir, 'site.yml')}`,
    `--storage.tsdb.path=${join(procs.workDir, 'site-data')}`,
    `--web.listen-address=${LOOPBACK}:${sitePort}`,
    '--log.level=warn',
  ]);
  const site = `http://${LOOPBACK}:${sitePort}`;
  await waitFor('the site Prometheus', deadline, async () => (await fetch(`${site}/-/ready`)).ok);

  // Traffic, so that the SLI recordings have something to record.
  // models/onnx/<name>/<version>/: any version serves as traffic (the site's split routes it).
  const modelDir = join(o.models, 'bearing-anomaly', readdirSync(join(o.models, 'bearing-anomaly')).sort()[0]);
  const meta = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { name: string; inputs: { name: string }[]; evalSet: string };
  const evalSet = JSON.parse(readFileSync(join(modelDir, meta.evalSet), 'utf8')) as { features: number[][] };
  await waitFor('the first scrape at the site', deadline, async () => (await query(site, 'up{job="inference-server"} == 1')).length > 0);
  for (let round = 0; round < 3; round++) {
    for (const row of evalSet.features.slice(0, 10)) {
      await fetch(`${serverBase}/v2/models/${meta.name}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: meta.inputs[0].name, datatype: 'FP32', shape: [1, row.length], data: row }] }),
      });
    }
    await sleep(2500);
  }

  // 1. The hub receives the site's series, scraped and recorded, with site and ring.
  await waitFor('the site series at the hub', deadline, async () => (await query(hub, `up{site="${o.site}", ring="${ring}", job="inference-server"}`)).length > 0);
  await waitFor('the site recording rules at the hub', deadline, async () => (await query(hub, `model:inference_requests:rate5m{site="${o.site}"}`)).length > 0);
  const names = await api<string[]>(hub, `/api/v1/label/__name__/values?match[]=${encodeURIComponent(`{site="${o.site}"}`)}`);
  console.log(`hub: ${names.length} metric names from site ${o.site} (ring ${ring}), e.g. ${names.filter((n) => n.startsWith('inference_') || n.startsWith('model:')).slice(0, 4).join(', ')}`);
  if (names.length < 10) failures.push(`the hub has only ${names.length} metric names of site ${o.site}`);
  const unlabelled = await query(hub, 'count({__name__=~".+", site=""})');
  if (unlabelled.length && Number(unlabelled[0].value[1]) > 0) failures.push(`${unlabelled[0].value[1]} series reached the hub without a site label`);

  // 2a. While the site reports: silent for it, firing for the inventory's sites that send nothing.
  const firing = async (): Promise<Set<string>> =>
    new Set((await query(hub, `ALERTS{alertname="${FLEET_INHIBIT_SOURCE}", alertstate="firing"}`)).map((s) => s.metric.site));
  const silentSites = [...expected.keys()].filter((s) => s !== o.site);
  await waitFor(`${FLEET_INHIBIT_SOURCE} for the sites that send nothing (${silentSites.join(', ')})`, deadline, async () => {
    const f = await firing();
    return silentSites.every((s) => f.has(s));
  });
  const whileReporting = await firing();
  console.log(`${FLEET_INHIBIT_SOURCE} firing while ${o.site} reports: ${[...whileReporting].sort().join(', ') || 'none'}`);
  if (whileReporting.has(o.site)) failures.push(`${FLEET_INHIBIT_SOURCE} fires for ${o.site}, which reports`);

  // 3. Every hub rule evaluates cleanly on the received series.
  const groups = await api<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>(hub, '/api/v1/rules');
  let count = 0;
  for (const g of groups.groups) {
    for (const r of g.rules) {
      count++;
      if (r.health !== 'ok' || r.lastError) failures.push(`hub rule ${r.name} (${g.name}): health ${r.health} ${r.lastError ?? ''}`);
    }
  }
  console.log(`hub rule groups: ${groups.groups.length}, rules: ${count}, health ok: ${failures.every((f) => !f.startsWith('hub rule'))}`);

  // 2b. The uplink is lost (the site Prometheus stops): the alert fires for the site after lookback + for.
  const stoppedAt = Date.now();
  await procs.stop('site-prometheus');
  await waitFor(`${FLEET_INHIBIT_SOURCE} for ${o.site} after its stream stopped`, Math.min(deadline, stoppedAt + 120000), async () => (await firing()).has(o.site));
  console.log(`${FLEET_INHIBIT_SOURCE} fired for ${o.site} ${Math.round((Date.now() - stoppedAt) / 1000)} s after its Prometheus stopped (lookback ${LOOKBACK} + for ${NOT_REPORTING_FOR})`);

  if (failures.length) {
    for (const f of failures) console.error(`FAIL: ${f}`);
    throw new Error(`${failures.length} live check(s) failed (logs in ${procs.workDir})`);
  }
  console.log('live-remote-write: the hub receiver ingests the site stream and SiteNotReporting behaves as its unit test says');
}

const options = parse(process.argv.slice(2));
const procs = new Processes(mkdtempSync(join(tmpdir(), 'live-remote-write-')));
const timer = setTimeout(() => {
  console.error('live-remote-write: overall timeout');
  procs.stopAll();
  process.exit(1);
}, 8 * 60 * 1000);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    procs.stopAll();
    process.exit(1);
  });
}
main(procs, options).then(
  () => {
    procs.stopAll();
    clearTimeout(timer);
    if (!options.keep) rmSync(procs.workDir, { recursive: true, force: true });
  },
  (e: Error) => {
    console.error(`live-remote-write: ${e.message}`);
    console.error(procs.tails());
    procs.stopAll();
    clearTimeout(timer);
    process.exitCode = 1;
  },
);
