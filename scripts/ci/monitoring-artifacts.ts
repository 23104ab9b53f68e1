/**
 * Prepares the inputs of the monitoring checks that run real engines (scripts/ci/promtool.sh,
 * scripts/ci/live-prometheus.sh). Bundled and run by those scripts:
 *
 *   node .build/monitoring-artifacts.js extract [--dist DIR] [--sites DIR] [--out DIR]
 *       rule files from dist/ PrometheusRules → OUT/rules/<site>.yaml (+ hub.yaml),
 *       Alertmanager configs → OUT/alertmanager/<site>.yaml (cross-checked with dist/ when it has them)
 *   node .build/monitoring-artifacts.js tests --check | --update
 *       the generated promtool tests in test/monitoring/promtool/ are current (or rewrite them)
 *
 * Exit codes: 0 ok, 1 a check failed (message on stderr), 2 usage.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as yaml from 'js-yaml';
import { loadCatalog } from '../../lib/model/catalog';
import { loadFleet, loadInventory } from '../../lib/model/load';
import {
  alertmanagerConfigs,
  alertmanagerConfigsInDist,
  extractRuleFiles,
  HUB,
  hubRuleFileFromCode,
  promtoolTestFiles,
  ruleFlavours,
} from '../../tools/monitoring/artifacts';
import { EXTRACTED_RULES_DIR, PROMTOOL_TESTS_DIR } from '../../tools/monitoring/promtool';
import { HUB_MONITORING_FILE } from '../../charts/monitoring/hub';

interface Options {
  readonly command: string;
  readonly dist: string;
  readonly sites: string;
  readonly out: string;
  readonly mode: 'check' | 'update';
}

function parse(argv: readonly string[]): Options {
  const [command = '', ...rest] = argv;
  let dist = 'dist';
  let sites = 'sites';
  let out = dirname(EXTRACTED_RULES_DIR);
  let mode: 'check' | 'update' = 'check';
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--dist') dist = rest[++i];
    else if (a === '--sites') sites = rest[++i];
    else if (a === '--out') out = rest[++i];
    else if (a === '--check') mode = 'check';
    else if (a === '--update') mode = 'update';
    else throw new Error(`unknown argument ${a}`);
  }
  return { command, dist, sites, out, mode };
}

function fail(message: string): never {
  console.error(`monitoring-artifacts: ${message}`);
  process.exit(1);
}

function extract(o: Options): void {
  const fleet = loadFleet('fleet.yaml');
  const loaded = loadInventory(o.sites, fleet);
  const catalog = loadCatalog(process.cwd(), fleet);
  const { files } = extractRuleFiles(o.dist);
  const monitored = loaded.filter((s) => s.site.layers.monitoring.enabled).map((s) => s.site.name);
  const missing = monitored.filter((s) => !files.has(s));
  if (missing.length) fail(`${o.dist}/ has no PrometheusRules for ${missing.join(', ')}: run npm run synth first`);
  if (!files.has(HUB) && loaded.some((s) => s.site.gitops.mode === 'hub')) {
    const hub = hubRuleFileFromCode(loaded, catalog);
    if (hub) {
      console.warn(
        `NOTE: ${o.dist}/${HUB_MONITORING_FILE} does not exist (hubMonitoringOutput of charts/monitoring/chart.ts is not registered in lib/synth/registry.ts FLEET_OUTPUTS); ` +
          'the hub rules are checked as rendered from code.',
      );
      files.set(HUB, hub);
    }
  }
  // Sites of one flavour must carry the same rules, or testing the representative would prove nothing.
  for (const f of ruleFlavours(loaded, catalog)) {
    for (const s of f.sites) {
      if (files.get(s) !== files.get(f.representative)) fail(`${o.dist}/${s} rules differ from ${o.dist}/${f.representative} although the code renders them identically: dist/ is stale, run npm run synth`);
    }
  }
  const rulesDir = join(o.out, 'rules');
  const amDir = join(o.out, 'alertmanager');
  for (const d of [rulesDir, amDir]) {
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
  }
  for (const [stem, content] of files) writeFileSync(join(rulesDir, `${stem}.yaml`), content);

  const rendered = alertmanagerConfigs(loaded, catalog);
  const inDist = alertmanagerConfigsInDist(o.dist);
  for (const [site, config] of rendered) {
    const committed = inDist.get(site);
    if (committed !== undefined && !isDeepStrictEqual(JSON.parse(JSON.stringify(committed)), JSON.parse(JSON.stringify(config)))) {
      fail(`the Alertmanager config of ${site} in ${o.dist}/ differs from the one the code renders: dist/ is stale, run npm run synth`);
    }
    writeFileSync(join(amDir, `${site}.yaml`), yaml.dump(config, { noRefs: true, lineWidth: -1 }));
  }
  const fromDist = [...rendered.keys()].filter((s) => inDist.has(s)).length;
  console.log(`extracted ${files.size} rule file(s) to ${rulesDir}, ${rendered.size} Alertmanager config(s) to ${amDir} (${fromDist} cross-checked with ${o.dist}/)`);
}

function tests(o: Options): void {
  const fleet = loadFleet('fleet.yaml');
  const loaded = loadInventory(o.sites, fleet);
  const catalog = loadCatalog(process.cwd(), fleet);
  const wanted = promtoolTestFiles(loaded, catalog);
  const present = new Set(
    readdirSafe(PROMTOOL_TESTS_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(PROMTOOL_TESTS_DIR, f)),
  );
  const stale: string[] = [];
  for (const [path, content] of wanted) {
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== content) stale.push(path);
    present.delete(path);
  }
  const extra = [...present];
  if (o.mode === 'update') {
    mkdirSync(PROMTOOL_TESTS_DIR, { recursive: true });
    for (const path of stale) writeFileSync(path, wanted.get(path) as string);
    for (const path of extra) rmSync(path);
    console.log(`promtool tests: ${stale.length} written, ${extra.length} removed, ${wanted.size} total`);
    return;
  }
  if (stale.length || extra.length) {
    fail(`generated promtool tests are out of date (${[...stale, ...extra].join(', ')}): run bash scripts/ci/promtool.sh --update and commit them`);
  }
  console.log(`promtool tests: ${wanted.size} file(s) up to date`);
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function main(): void {
  let o: Options;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`monitoring-artifacts: ${(e as Error).message}`);
    process.exit(2);
  }
  if (o.command === 'extract') extract(o);
  else if (o.command === 'tests') tests(o);
  else {
    console.error('usage: monitoring-artifacts extract [--dist DIR] [--sites DIR] [--out DIR] | tests --check|--update');
    process.exit(2);
  }
}

main();
