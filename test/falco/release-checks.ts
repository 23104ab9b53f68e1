/**
 * Checks of the Falco release as the real helm 3.17.3 renders it from the vendored falco-9.1.0 package with
 * exactly the values its Argo CD Application carries: the modern eBPF driver without kernel module or driver
 * loader, least-privileged capabilities, K3s' containerd socket, the platform rules mounted, metrics on, nothing
 * downloaded at start. Run by test/helm/releases.test.ts for every sample site that enables Falco, on the
 * release it has already rendered (and validated closed-world and against Pod Security with every other
 * release): a second helm run here would cost the suite seconds.
 */
import * as yaml from 'js-yaml';
import { PLATFORM_RULES, RULES_FILE } from '../../charts/falco/falco-rules';
import { FALCO_FULLNAME, FALCO_METRICS_PORT, FALCO_METRICS_PORT_NAME, FALCO_METRICS_SERVICE, FALCO_METRICS_SERVICE_LABELS, FALCO_NAMESPACE } from '../../charts/falco/names';
import { K3S_CONTAINERD_SOCKET } from '../../charts/falco/release';
import { IMAGES } from '../../lib/model/versions';
import type { RenderedRelease } from '../../tools/helm/releases';
import type { JsonObject } from '../../tools/validate/common';
import { formatViolation, podSecurityViolations } from '../../tools/validate/pod-security';

interface Container {
  name: string;
  image: string;
  securityContext?: { privileged?: boolean; capabilities?: { add?: string[] } };
}
/** The parts of the rendered falco.yaml the checks read. */
interface FalcoConfig {
  engine: { kind: string };
  plugins: { name: string; init_config: { engines: Record<string, { enabled: boolean; sockets?: string[] }> } }[];
  load_plugins: string[];
  rules_files: string[];
  rule_matching: string;
  metrics: { enabled: boolean; rules_counters_enabled: boolean };
  webserver: Record<string, unknown>;
}
interface Volume {
  name: string;
  hostPath?: { path: string };
}

/** Registers the checks of a rendered Falco release (call inside a describe; `get` is read in the tests). */
export function describeFalcoRelease(get: () => RenderedRelease): void {
  const find = (kind: string, name: string): JsonObject => {
    const release = get();
    const o = release.objects.find((x) => x.kind === kind && (x.metadata as { name?: string }).name === name);
    if (!o) throw new Error(`no ${kind} ${name} in: ${release.objects.map((x) => `${String(x.kind)}/${String((x.metadata as { name?: string }).name)}`).join(', ')}`);
    return o;
  };
  const falcoConfig = (): FalcoConfig => yaml.load(String((find('ConfigMap', FALCO_FULLNAME).data as Record<string, string>)['falco.yaml'])) as FalcoConfig;
  const podSpec = () => (find('DaemonSet', FALCO_FULLNAME).spec as { template: { spec: { containers: Container[]; initContainers?: Container[]; volumes: Volume[] } } }).template.spec;

  it('runs the pinned Falco image alone: no driver loader, no falcoctl init container or sidecar', () => {
    const spec = podSpec();
    expect(spec.containers.map((c) => c.image)).toEqual([`docker.io/${IMAGES.falco.repository}:${IMAGES.falco.tag}`]);
    expect(spec.initContainers ?? []).toEqual([]);
  });

  it('uses the modern eBPF driver with capabilities instead of a privileged container', () => {
    const config = falcoConfig();
    expect(config.engine.kind).toBe('modern_ebpf');
    const falco = podSpec().containers[0];
    expect(falco.securityContext?.privileged).toBeUndefined();
    expect(falco.securityContext?.capabilities?.add?.sort()).toEqual(['BPF', 'PERFMON', 'SYS_PTRACE', 'SYS_RESOURCE']);
    // No kernel module: /dev and /sys/module are not mounted.
    const hostPaths = podSpec().volumes.flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));
    expect(hostPaths).not.toContain('/dev');
    expect(hostPaths).not.toContain('/sys/module');
  });

  it('reads containers through K3s\' containerd socket only', () => {
    const config = falcoConfig();
    const plugin = config.plugins.find((p) => p.name === 'container');
    const engines = plugin?.init_config.engines ?? {};
    const enabled = Object.entries(engines).filter(([, e]) => e.enabled).map(([n]) => n).sort();
    expect(enabled).toEqual(['containerd', 'cri']);
    expect(engines.containerd.sockets).toEqual([K3S_CONTAINERD_SOCKET]);
    expect(engines.cri.sockets).toEqual([K3S_CONTAINERD_SOCKET]);
    expect(config.load_plugins).toEqual(['container']);
    const sockets = podSpec().volumes.flatMap((v) => (v.hostPath?.path.endsWith('.sock') ? [v.hostPath.path] : []));
    expect(sockets).toEqual([K3S_CONTAINERD_SOCKET]);
  });

  it('mounts the platform rules after the bundled ruleset, evaluates every rule and exports metrics', () => {
    const rules = String((find('ConfigMap', `${FALCO_FULLNAME}-rules`).data as Record<string, string>)[RULES_FILE]);
    const names = (yaml.load(rules) as { rule?: string }[]).flatMap((i) => (i.rule ? [i.rule] : []));
    expect(names).toEqual(Object.values(PLATFORM_RULES));
    const config = falcoConfig();
    expect(config.rules_files).toEqual(['/etc/falco/falco_rules.yaml', '/etc/falco/rules.d']);
    expect(config.rule_matching).toBe('all');
    expect(config.metrics.enabled).toBe(true);
    expect(config.metrics.rules_counters_enabled).toBe(true);
    expect(config.webserver).toMatchObject({ enabled: true, prometheus_metrics_enabled: true, listen_port: FALCO_METRICS_PORT });
  });

  it('has the metrics Service the monitoring layer\'s ServiceMonitor selects', () => {
    const svc = find('Service', FALCO_METRICS_SERVICE);
    expect((svc.metadata as { labels: Record<string, string> }).labels).toMatchObject(FALCO_METRICS_SERVICE_LABELS);
    expect((svc.spec as { ports: unknown[] }).ports).toEqual([expect.objectContaining({ name: FALCO_METRICS_PORT_NAME, port: FALCO_METRICS_PORT })]);
  });

  it('needs privileged Pod Security: its hostPath volumes fail baseline', () => {
    const ds = find('DaemonSet', FALCO_FULLNAME);
    expect(podSecurityViolations(ds, 'privileged', FALCO_NAMESPACE)).toEqual([]);
    expect(podSecurityViolations(ds, 'baseline', FALCO_NAMESPACE).map(formatViolation).join('\n')).toMatch(/hostPath/);
  });
}
