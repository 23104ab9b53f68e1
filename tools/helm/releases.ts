/**
 * The Helm releases of a site as Argo CD receives them: read from the rendered Application objects of the
 * site's gitops layer (chart, version, release name, destination namespace, `valuesObject`), so what is
 * rendered and tested is exactly what Argo CD gets. Then `helm template` of each with the site's cluster
 * facts: `--kube-version` = the site's K3s version, `--api-versions` = the core APIs plus every CRD installed
 * at the site (the CRDs the site's charts ship, and Argo CD's where Argo CD runs on the site).
 */
import { createHash } from 'node:crypto';
import { loadAll, YAML11_SCHEMA } from 'js-yaml';
import { gvkKey, isObject, typeMeta, type JsonObject, type RawIssue } from '../validate/common';
import { crds, crdSet, crdVersionsOf, type Crds } from '../validate/crd';
import { k8s128 } from '../validate/k8s128';
import { chartPackageInfo, vendoredChart } from './charts';
import { helmTemplate } from './template';

export interface HelmApplication {
  /** Argo CD Application name (`<site>-<release>`). */
  readonly application: string;
  readonly repoURL: string;
  readonly chart: string;
  readonly version: string;
  /** `spec.source.helm.releaseName`: Helm's release name (`.Release.Name`). */
  readonly releaseName: string;
  /** `spec.destination.namespace`: Helm's `.Release.Namespace`. */
  readonly namespace: string;
  readonly values: Readonly<Record<string, unknown>>;
}

function str(v: unknown, what: string, app: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`Application ${app}: ${what} is missing`);
  return v;
}

/** Every Application with a Helm chart source among the objects (a site's gitops layer). */
export function helmApplications(objects: readonly unknown[]): HelmApplication[] {
  const out: HelmApplication[] = [];
  for (const o of objects) {
    if (!isObject(o) || o.kind !== 'Application' || !isObject(o.spec) || !isObject(o.spec.source)) continue;
    const source = o.spec.source;
    if (typeof source.chart !== 'string') continue;
    const name = str(isObject(o.metadata) ? o.metadata.name : undefined, 'metadata.name', '<unnamed>');
    const helm = isObject(source.helm) ? source.helm : {};
    const destination = isObject(o.spec.destination) ? o.spec.destination : {};
    out.push({
      application: name,
      repoURL: str(source.repoURL, 'spec.source.repoURL', name),
      chart: source.chart,
      version: str(source.targetRevision, 'spec.source.targetRevision', name),
      // Argo CD's default release name is the Application name.
      releaseName: typeof helm.releaseName === 'string' && helm.releaseName !== '' ? helm.releaseName : name,
      namespace: str(destination.namespace, 'spec.destination.namespace', name),
      values: isObject(helm.valuesObject) ? helm.valuesObject : {},
    });
  }
  return out.sort((a, b) => a.application.localeCompare(b.application));
}

/** `group/version` and `group/version/Kind` of every core kind Kubernetes 1.28 serves (schemas/kubernetes). */
export function coreApiVersions(): string[] {
  const out = new Set<string>();
  for (const key of k8s128().served.keys()) {
    const [group, version, kind] = key.split('/');
    const gv = group === '' ? version : `${group}/${version}`;
    out.add(gv);
    out.add(`${gv}/${kind}`);
  }
  return [...out].sort();
}

/** `group/version` and `group/version/Kind` of every served version of the CustomResourceDefinitions. */
export function crdApiVersions(docs: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const d of docs) {
    if (!isObject(d) || d.kind !== 'CustomResourceDefinition' || !isObject(d.spec)) continue;
    const { group, names, versions } = d.spec;
    if (typeof group !== 'string' || !isObject(names) || typeof names.kind !== 'string' || !Array.isArray(versions)) continue;
    for (const v of versions.filter(isObject)) {
      if (v.served !== true || typeof v.name !== 'string') continue;
      out.add(`${group}/${v.name}`);
      out.add(`${group}/${v.name}/${names.kind}`);
    }
  }
  return [...out].sort();
}

/**
 * Object members whose value is null, removed: the API server decodes a JSON null into an unset field (Go's
 * zero value), so `data: null` in a ConfigMap or `rules: null` in a Role (what a chart renders for an empty
 * list or map) is accepted and stored as absent. Removing them lets the closed-world validation judge what
 * the server stores.
 */
export function dropNullMembers(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNullMembers);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNullMembers(x);
  return out;
}

const parsedDocs = new Map<string, JsonObject[]>();

/**
 * The documents of `helm template` output, as go-yaml (YAML 1.1) reads them; empty documents dropped, null
 * members removed (see dropNullMembers). Each document is parsed once per process, keyed by its text: the
 * CRDs of kube-prometheus-stack are 4.5 MB of YAML (2 s to parse) and the same at every site and in both
 * render passes.
 */
export function parseManifests(text: string): JsonObject[] {
  const out: JsonObject[] = [];
  // A line `---` ends a YAML document wherever it appears (even inside a block scalar), so this split is exact.
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    if (chunk.trim() === '') continue;
    const key = createHash('sha256').update(chunk).digest('hex');
    let docs = parsedDocs.get(key);
    if (!docs) {
      docs = loadAll(chunk, { schema: YAML11_SCHEMA }).filter(isObject).map((d) => dropNullMembers(d) as JsonObject);
      parsedDocs.set(key, docs);
    }
    out.push(...docs);
  }
  return out;
}

export interface RenderedRelease {
  readonly app: HelmApplication;
  readonly chartPath: string;
  /** `helm template` output as printed. */
  readonly manifests: string;
  readonly objects: readonly JsonObject[];
}

export interface SiteCluster {
  /** The site's K3s version (`v1.28.4+k3s2`), Helm's `--kube-version`. */
  readonly kubeVersion: string;
  /** CRDs installed at the site by something other than its Helm Applications (Argo CD in pull mode). */
  readonly extraCrds: readonly unknown[];
  /** Repository holding vendor/helm-charts. @default the current directory */
  readonly root?: string;
  /** Where a chart package is found. @default the vendored package under `root` */
  readonly chartPath?: (app: HelmApplication) => string;
}

/**
 * Renders every Helm Application of a site. The installed CRDs are only known from the charts' own output, so
 * the releases whose package may ship CRDs are rendered first with the core APIs; then every release whose
 * templates read `.Capabilities.APIVersions` is rendered with the CRDs all releases ship (a steady-state
 * cluster, where Argo CD finds all of them installed). A first render is final when the chart never reads
 * the API versions. A chart that gated its CRDs on Capabilities would show as a changed CRD set between the
 * passes, which is reported.
 */
export async function renderSiteReleases(apps: readonly HelmApplication[], cluster: SiteCluster): Promise<{ releases: RenderedRelease[]; apiVersions: string[] }> {
  const chartPathOf = cluster.chartPath ?? ((a: HelmApplication) => vendoredChart(a, cluster.root));
  const core = coreApiVersions();
  const render = (app: HelmApplication, apiVersions: readonly string[]) =>
    helmTemplate({ chartPath: chartPathOf(app), releaseName: app.releaseName, namespace: app.namespace, values: app.values, kubeVersion: cluster.kubeVersion, apiVersions });
  const info = apps.map((a) => chartPackageInfo(chartPathOf(a)));
  const first = await Promise.all(apps.map((a, i) => (info[i].mayShipCrds ? render(a, core) : Promise.resolve(undefined))));
  const crdsOf = (texts: readonly (string | undefined)[]) => texts.flatMap((m) => (m === undefined ? [] : parseManifests(m).filter((d) => d.kind === 'CustomResourceDefinition')));
  const before = crdApiVersions([...cluster.extraCrds, ...crdsOf(first)]);
  const apiVersions = [...new Set([...core, ...before])].sort();
  const final = await Promise.all(apps.map((a, i) => (first[i] !== undefined && !info[i].readsApiVersions ? (first[i] as string) : render(a, apiVersions))));
  const releases = apps.map((app, i) => ({ app, chartPath: chartPathOf(app), manifests: final[i], objects: parseManifests(final[i]) }));
  const after = crdApiVersions([...cluster.extraCrds, ...crdsOf(final)]);
  if (after.join() !== before.join()) {
    throw new Error(`the CRDs the site's charts ship change with --api-versions (${before.length} → ${after.length} API versions): a chart gates CRDs on Capabilities; render it with the CRDs it expects`);
  }
  return { releases, apiVersions };
}

const crdSets = new WeakMap<JsonObject, Crds>();

/**
 * The checker of one CRD document. Where it is byte-for-byte the schema of a vendored CRD (schemas/crds/), the
 * vendored checker is used, so kinds compiled for the site's own objects are not compiled twice.
 */
function checkerOf(doc: JsonObject): Crds {
  let s = crdSets.get(doc);
  if (!s) {
    const versions = crdVersionsOf([doc], 'CRD from helm template');
    const vendored = crds();
    const same = versions.every((v) => JSON.stringify(vendored.served.get(gvkKey(v.group, v.version, v.kind))?.schema) === JSON.stringify(v.schema));
    s = same && versions.length > 0 ? vendored : crdSet(versions);
    crdSets.set(doc, s);
  }
  return s;
}

/**
 * Validator of custom resources against the given CustomResourceDefinition documents (what a site's charts
 * really install). One compiled set per document: parseManifests returns the same document object for the
 * same text, so a CRD shipped to every site compiles once per process.
 */
export function installedCrds(docs: readonly JsonObject[]): { has(obj: JsonObject): boolean; check(obj: JsonObject): RawIssue[] } {
  const sets = docs.filter((d) => d.kind === 'CustomResourceDefinition').map((d) => ({ doc: d, set: checkerOf(d) }));
  const setFor = (obj: JsonObject): Crds | undefined => {
    const tm = typeMeta(obj);
    const spec = (d: JsonObject) => (isObject(d.spec) ? d.spec : {});
    return sets.find(({ doc }) => spec(doc).group === tm.group && isObject(spec(doc).names) && (spec(doc).names as JsonObject).kind === tm.kind)?.set;
  };
  return {
    has: (obj) => setFor(obj) !== undefined,
    check: (obj) => setFor(obj)?.check(obj) ?? [],
  };
}
