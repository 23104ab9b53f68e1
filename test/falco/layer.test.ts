/**
 * The Falco layer in memory (no helm; the rendered release is checked in test/helm/releases.test.ts through
 * ./release-checks.ts): off unless the inventory enables it and then without a trace; on, a privileged namespace
 * with its reason, the scrape, alerts, dashboard and capacity; platform rules that follow the NetworkPolicies,
 * mounts and commands the watched layers really render, written against the ruleset the image bundles.
 */
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { falcoLayer } from '../../charts/falco';
import { PLATFORM_RULES, platformFalcoRules, RULES_FILE } from '../../charts/falco/falco-rules';
import { FALCO_METRICS_SERVICE, FALCO_NAMESPACE, FALCO_RELEASE } from '../../charts/falco/names';
import { FALCO_RESOURCES } from '../../charts/falco/props';
import { CLUSTER_CIDRS, EgressAllowance, watchedNamespaces, WATCHED_LAYERS } from '../../charts/falco/watch';
import { NAMESPACE_REASON_ANNOTATION } from '../../lib/constructs/namespaces';
import { LAYERS } from '../../lib/synth/registry';
import { resolveSite } from '../../lib/synth/render';
import { buildSite, BuiltSite, findAll, findResource, K8sObject, repoCatalog, sampleSite, siteFromYaml } from '../helpers';
import { falcoValues } from './support';

const built = new Map<string, BuiltSite>();
/** Each sample site is built once per file (a build costs a few hundred milliseconds). */
const build = (name: string): BuiltSite => built.get(name) ?? built.set(name, buildSite(sampleSite(name))).get(name)!;
const factory = build('factory-floor');
const withoutFalco = (() => {
  const s = sampleSite('factory-floor');
  return buildSite({ ...s, layers: { ...s.layers, falco: { enabled: false } } });
})();
const alertsOf = (b: BuiltSite): string[] =>
  findAll(b.all, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.flatMap((x) => (x.alert ? [x.alert] : []))));

describe('the Falco layer', () => {
  it('is off unless the site file enables it, and then leaves no trace', () => {
    expect(sampleSite('office').layers.falco).toBeUndefined();
    for (const b of [build('office'), withoutFalco]) {
      expect(Object.keys(b.layers)).not.toContain('falco');
      const traces = b.all.filter(
        (o) =>
          o.metadata.namespace === FALCO_NAMESPACE ||
          o.metadata.name === FALCO_NAMESPACE ||
          o.metadata.name === FALCO_METRICS_SERVICE ||
          o.metadata.name.endsWith(`-${FALCO_RELEASE}`) ||
          o.metadata.name === 'grafana-dashboard-falco',
      );
      expect(traces.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
      expect(alertsOf(b).filter((a) => a.startsWith('Falco'))).toEqual([]);
    }
  });

  it('rejects anything but a boolean `enabled` (strict schema, one clear line)', () => {
    const base = readFileSync('sites/office.yaml', 'utf8');
    expect(() => siteFromYaml(`${base}\n`.replace(/^layers:\n/m, 'layers:\n  falco: { enabled: "yes" }\n'))).toThrow(/layers\.falco\.enabled/);
    expect(() => siteFromYaml(`${base}\n`.replace(/^layers:\n/m, 'layers:\n  falco: { enabled: true, driver: kmod }\n'))).toThrow(/layers\.falco/);
  });

  it('gets a privileged namespace that says why, protected like every other (default deny, DNS only)', () => {
    const ns = findResource(factory.layers.baseline, 'Namespace', FALCO_NAMESPACE);
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(ns.metadata.annotations?.[NAMESPACE_REASON_ANNOTATION]).toMatch(/eBPF/);
    const policies = findAll(factory.all, 'NetworkPolicy').filter((p) => p.metadata.namespace === FALCO_NAMESPACE).map((p) => p.metadata.name);
    expect(policies.sort()).toEqual(['allow-dns', 'allow-prometheus-scrape', 'default-deny']);
    expect(policies).not.toContain('allow-kube-apiserver');
  });

  it('is scraped, alerted on and charted by the site monitoring', () => {
    const monitor = findResource(factory.layers.monitoring, 'ServiceMonitor', FALCO_METRICS_SERVICE, 'monitoring');
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [FALCO_NAMESPACE] });
    const scrape = findResource(factory.layers.falco, 'NetworkPolicy', 'allow-prometheus-scrape', FALCO_NAMESPACE);
    expect(scrape.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8765 }]);
    expect(alertsOf(factory).filter((a) => a.startsWith('Falco')).sort()).toEqual(['FalcoDown', 'FalcoEventsDropped', 'FalcoPlatformRuleTriggered', 'FalcoPlatformRuleTriggered']);
    const dashboard = findResource(factory.layers.monitoring, 'ConfigMap', 'grafana-dashboard-falco', 'monitoring');
    const exprs = JSON.stringify(dashboard.data);
    expect(exprs).toContain('sum by (rule_name) (rate(falcosecurity_falco_rules_matches_total');
    expect(exprs).toContain('sum by (priority) (rate(falcosecurity_falco_rules_matches_total');
  });

  it('counts one Falco pod per node in the capacity check', () => {
    const nodes = sampleSite('factory-floor').nodes.length;
    const diff = (k: 'cpuMillicores' | 'memoryMiB') => factory.rendered.summary.requests[k] - withoutFalco.rendered.summary.requests[k];
    expect(diff('cpuMillicores')).toBe(nodes * FALCO_RESOURCES.cpuMillicores);
    expect(diff('memoryMiB')).toBe(nodes * FALCO_RESOURCES.memoryMiB);
  });

  it('renders no rules file at a site where neither inference nor Ollama runs', () => {
    const s = sampleSite('factory-floor');
    const bare = { ...s, layers: { ...s.layers, inference: { ...s.layers.inference, enabled: false }, ollama: { ...s.layers.ollama, enabled: false } } };
    const release = resolveSite({ site: bare, file: 'sites/factory-floor.yaml', catalog: repoCatalog() }).view.releases.find((r) => r.layer === 'falco')?.release;
    expect(release?.values.customRules).toEqual({});
    expect(falcoValues(factory).customRules).toEqual({ [RULES_FILE]: expect.stringContaining(PLATFORM_RULES.egress) });
  });
});

/** What the watched layers render: NetworkPolicy egress per namespace, as (protocol, port, peer kind). */
function renderedEgress(objects: readonly K8sObject[], namespace: string): Set<string> {
  const out = new Set<string>();
  for (const p of findAll(objects, 'NetworkPolicy').filter((x) => x.metadata.namespace === namespace)) {
    for (const rule of p.spec.egress ?? []) {
      for (const port of rule.ports) {
        for (const to of rule.to) {
          const peer = to.ipBlock
            ? to.ipBlock.except?.length
              ? `outside(${[...to.ipBlock.except].sort().join(',')})`
              : `cidrs(${to.ipBlock.cidr})`
            : 'cluster';
          out.add(`${port.protocol}/${port.port}/${peer}`);
        }
      }
    }
  }
  return out;
}

function allowed(egress: readonly EgressAllowance[]): Set<string> {
  const out = new Set<string>();
  for (const e of egress) {
    if (e.peer.kind === 'cidrs') for (const c of e.peer.cidrs) out.add(`${e.protocol}/${e.port}/cidrs(${c})`);
    else out.add(`${e.protocol}/${e.port}/${e.peer.kind === 'cluster' ? 'cluster' : `outside(${[...CLUSTER_CIDRS].sort().join(',')})`}`);
  }
  return out;
}

/** A container whose entrypoint, probes or hooks start a shell (every exec of them would match the shell rule). */
interface Exec {
  exec?: { command?: string[] };
}
interface ContainerLike {
  command?: string[];
  lifecycle?: { preStop?: Exec; postStart?: Exec };
  livenessProbe?: Exec;
  readinessProbe?: Exec;
  startupProbe?: Exec;
}
function startsShell(c: ContainerLike): boolean {
  const execs = [c.command, c.lifecycle?.preStop?.exec?.command, c.lifecycle?.postStart?.exec?.command, c.livenessProbe?.exec?.command, c.readinessProbe?.exec?.command, c.startupProbe?.exec?.command];
  return execs.some((cmd: string[] | undefined) => /(^|\/)(ba|da|z|k|c|tc|a)?sh$/.test(cmd?.[0] ?? ''));
}

describe.each(['factory-floor', 'warehouse', 'office'])('%s: the platform rules follow what the watched layers render', (name) => {
  const site = sampleSite(name);
  const rendered = build(name);
  const { view } = resolveSite({ site, file: `sites/${name}.yaml`, catalog: repoCatalog() });
  const watched = watchedNamespaces(view, site.nodes.filter((n) => n.role === 'server').map((n) => n.ip));
  const pods = rendered.all.flatMap((o) => {
    const spec = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    return spec ? [{ o, spec }] : [];
  });

  it('watches every namespace of the inference and Ollama layers', () => {
    const expected = view.layers.filter((l) => (WATCHED_LAYERS as readonly string[]).includes(l.name)).flatMap((l) => l.namespaces.map((n) => n.name));
    expect(watched.map((w) => w.namespace)).toEqual(expected);
    expect(watched.length).toBeGreaterThan(0);
  });

  it('allows exactly the egress the NetworkPolicies of each watched namespace allow', () => {
    for (const w of watched) {
      expect({ namespace: w.namespace, egress: [...allowed(w.egress)].sort() }).toEqual({ namespace: w.namespace, egress: [...renderedEgress(rendered.all, w.namespace)].sort() });
    }
  });

  it('watches model caches the pods really mount, and excepts exactly the containers that run a shell', () => {
    for (const w of watched) {
      const mounts = pods.filter((p) => p.o.metadata.namespace === w.namespace).flatMap((p) => p.spec.containers.flatMap((c: { volumeMounts?: { mountPath: string }[] }) => c.volumeMounts ?? []));
      for (const path of w.modelPaths) expect({ ns: w.namespace, path, mounted: mounts.some((m) => m.mountPath === path || m.mountPath.startsWith(`${path}/`)) }).toEqual({ ns: w.namespace, path, mounted: true });
      const shells = pods
        .filter((p) => p.o.metadata.namespace === w.namespace)
        .flatMap((p) => [...p.spec.containers, ...(p.spec.initContainers ?? [])].filter(startsShell).map((c: { name: string }) => ({ owner: p.o.metadata.name, container: c.name })));
      const excepted = (s: { owner: string; container: string }) => w.shellExceptions.some((x) => x.container === s.container && `${s.owner}-`.startsWith(x.podPrefix));
      expect(shells.filter((s) => !excepted(s))).toEqual([]);
      // An exception with nothing to excuse is a hole in the rule.
      if (shells.length === 0 && name !== 'office') expect(w.shellExceptions.filter((x) => pods.some((p) => p.o.metadata.namespace === w.namespace && p.o.metadata.name.startsWith(x.podPrefix)))).toEqual([]);
    }
  });
});

describe('the platform rules file', () => {
  // Falco reads YAML with yaml-cpp, which accepts flow sequences js-yaml rejects: read the top-level items by line.
  const text = readFileSync('test/fixtures/falco/falco_rules-5.1.0.yaml', 'utf8');
  const bundled = [...text.matchAll(/^- (macro|list|rule): (.+)$/gm)].map((m) => ({ [m[1]]: m[2].trim() })) as Record<string, unknown>[];
  bundled.push((yaml.load(/^- required_engine_version: .*$/m.exec(text)?.[0] ?? '') as Record<string, unknown>[])[0]);
  bundled.push((yaml.load(/^- required_plugin_versions:\n(?: {4}.*\n)+/m.exec(text)?.[0] ?? '') as Record<string, unknown>[])[0]);
  const names = (items: readonly Record<string, unknown>[], key: string) => new Set(items.flatMap((i) => (typeof i[key] === 'string' ? [i[key] as string] : [])));
  const { view } = resolveSite({ site: sampleSite('factory-floor'), file: 'sites/factory-floor.yaml', catalog: repoCatalog() });
  const ours = yaml.load(platformFalcoRules(watchedNamespaces(view, ['192.168.1.10'])) ?? '') as Record<string, unknown>[];
  const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'startswith', 'tcp', 'udp', 'connect', 'EINPROGRESS']);

  it('uses only macros and lists that it or the bundled falco-rules-5.1.0 defines, and shadows none of them', () => {
    const defined = new Set([...names(ours, 'macro'), ...names(ours, 'list'), ...names(bundled, 'macro'), ...names(bundled, 'list')]);
    const conditions = ours.flatMap((i) => (typeof i.condition === 'string' ? [i.condition] : []));
    const words = conditions.flatMap((c) => c.replace(/"[^"]*"/g, ' ').match(/[A-Za-z_][A-Za-z0-9_.]*/g) ?? []).filter((w) => !w.includes('.'));
    expect([...new Set(words)].filter((w) => !defined.has(w) && !KEYWORDS.has(w))).toEqual([]);
    for (const kind of ['macro', 'list', 'rule']) expect([...names(ours, kind)].filter((n) => names(bundled, kind).has(n))).toEqual([]);
    expect(['spawned_process', 'container', 'shell_procs', 'open_write'].filter((m) => !names(bundled, 'macro').has(m))).toEqual([]);
  });

  it('declares the engine and plugin versions the bundled ruleset declares, and tags every rule for the alerts', () => {
    const req = (items: readonly Record<string, unknown>[], key: string) => items.find((i) => key in i)?.[key];
    expect(req(ours, 'required_engine_version')).toEqual(req(bundled, 'required_engine_version'));
    expect(req(ours, 'required_plugin_versions')).toEqual(req(bundled, 'required_plugin_versions'));
    const rules = ours.filter((i) => 'rule' in i);
    expect(rules.map((r) => r.rule)).toEqual(Object.values(PLATFORM_RULES));
    for (const r of rules) expect(r.tags).toContain('edge_ai');
  });

  it('is registered once, before monitoring (which renders its telemetry)', () => {
    const names = LAYERS.map((l) => l.name);
    expect(names.filter((n) => n === falcoLayer.name)).toHaveLength(1);
    expect(names.indexOf('falco')).toBeLessThan(names.indexOf('monitoring'));
  });
});
