/**
 * Shared helpers of the GitOps tests: sites from YAML, a fixture Helm release, the hub output parsed back,
 * and a tiny Go-template evaluator for the `{{ .key }}` placeholders our ApplicationSets use.
 */
import * as yaml from 'js-yaml';
import { HelmRelease } from '../../lib/constructs/helm';
import { LoadedSite } from '../../lib/model/load';
import { Site } from '../../lib/model/schema';
import { LAYERS } from '../../lib/synth/registry';
import { hubOutput } from '../../lib/synth/hub';
import { RenderedFile } from '../../lib/synth/render';
import { HELM_CHARTS } from '../../lib/model/versions';
import { K8sObject, repoCatalog, sampleSite, siteFromYaml } from '../helpers';

/** A minimal valid site; `extra` is appended as top-level YAML. */
export function site(name: string, ring: number, extra = '', ipOctet = 30): Site {
  return siteFromYaml(
    [
      `name: ${name}`,
      'location: test',
      `ring: ${ring}`,
      'nodes:',
      `  - { name: ${name}-n1, ip: 10.9.${ipOctet}.1, arch: amd64, cpuCores: 8, memoryGiB: 32, role: server }`,
      extra,
    ].join('\n'),
  );
}

/** The sample site with a different GitOps mode (the one-field switch). */
export function sampleInMode(name: string, mode: 'hub' | 'pull'): Site {
  const s = sampleSite(name);
  return { ...s, gitops: { ...s.gitops, mode } };
}

function loaded(sites: readonly Site[]): LoadedSite[] {
  return sites.map((s) => ({ site: s, file: `sites/${s.name}.yaml` }));
}

/** The first pinned chart of lib/model/versions.ts (releases must use one). */
function pinnedChart(): (typeof HELM_CHARTS)[keyof typeof HELM_CHARTS] {
  const chart = Object.values(HELM_CHARTS)[0];
  if (!chart) throw new Error('lib/model/versions.ts HELM_CHARTS is empty: the fixture release needs a pinned chart');
  return chart;
}

export function fixtureRelease(overrides: Partial<HelmRelease> = {}): HelmRelease {
  return {
    name: 'fixture-controller',
    chart: pinnedChart(),
    namespace: 'fixture',
    values: { replicas: 1, nested: { enabled: true } },
    syncWave: -5,
    requests: [{ name: 'fixture-controller', cpuMillicores: 100, memoryMiB: 128, podCpuMillicores: 100, podMemoryMiB: 128 }],
    ...overrides,
  };
}

export interface Hub {
  readonly files: RenderedFile[];
  readonly objects: K8sObject[];
  readonly json: Map<string, unknown>;
}

/** Renders the hub output for these sites with the real layer registry, parsed back. */
export function renderHubFor(sites: readonly Site[]): Hub {
  const files = hubOutput(loaded(sites), repoCatalog(), LAYERS);
  const objects = files.filter((f) => f.path.endsWith('.k8s.yaml')).flatMap((f) => yaml.loadAll(f.content) as K8sObject[]);
  const json = new Map(files.filter((f) => f.path.endsWith('.json')).map((f) => [f.path, JSON.parse(f.content) as unknown]));
  return { files, objects, json };
}

/**
 * Evaluates the only Go-template form our templates use, `{{ .a }}` / `{{ .a.b }}`, with missingkey=error
 * semantics (an unknown key throws), over every string of a value.
 */
export function evaluateTemplate<T>(value: T, params: Record<string, unknown>): T {
  const lookup = (path: string): string => {
    let cur: unknown = params;
    for (const key of path.split('.')) {
      if (cur === null || typeof cur !== 'object' || !(key in (cur as object))) throw new Error(`map has no entry for key "${path}"`);
      cur = (cur as Record<string, unknown>)[key];
    }
    return String(cur);
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const out = v.replace(/\{\{\s*\.([\w.]+)\s*\}\}/g, (_m, path: string) => lookup(path));
      if (out.includes('{{')) throw new Error(`unsupported template in "${v}"`);
      return out;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k) as string, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * Does a RollingSync step select these labels? As the ApplicationSet controller decides it: all expressions
 * must hold, In/NotIn compare the value, and an Application without the label is never selected.
 */
export function stepMatches(step: { matchExpressions?: { key: string; operator: string; values: string[] }[] }, labels: Record<string, string>): boolean {
  return (step.matchExpressions ?? []).every((e) => {
    if (!(e.key in labels)) return false;
    const has = e.values.includes(labels[e.key]);
    if (e.operator === 'In') return has;
    if (e.operator === 'NotIn') return !has;
    throw new Error(`operator ${e.operator} not modelled`);
  });
}
