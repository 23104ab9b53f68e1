/**
 * The per-site GitOps chart: Helm releases become Argo CD Applications (hub and pull mode), a pull-mode site
 * gets its own project and one Application per layer file, and inconsistent layer declarations fail with a
 * message that names the site, the layer, the release and the fix.
 */
import { App, Chart } from 'cdk8s';
import { baselineLayer } from '../../charts/baseline';
import { gitopsLayer } from '../../charts/gitops';
import { GitopsChart } from '../../charts/gitops/chart';
import { LAYER_SYNC_OPTIONS, SYNC_RETRY } from '../../charts/gitops/application';
import { ARGOCD_NAMESPACE, IN_CLUSTER_SERVER, PROJECTS } from '../../charts/gitops/contract';
import { SiteLayer, siteLayers } from '../../charts/gitops/site';
import { HelmRelease } from '../../lib/constructs/helm';
import { Site } from '../../lib/model/schema';
import { defineLayer, LayerDefinition } from '../../lib/constructs/layer';
import { LAYERS } from '../../lib/synth/registry';
import { renderSite, resolveSite } from '../../lib/synth/render';
import { K8sObject, buildSite, findAll, findResource, repoCatalog, repoPlatform } from '../helpers';
import { fixtureRelease, sampleInMode, site } from './support';

const PLATFORM = repoPlatform();

function layersWith(release: HelmRelease): SiteLayer[] {
  return [
    { name: 'baseline', namespaces: [], releases: [] },
    { name: 'fixture', namespaces: ['fixture'], releases: [release] },
    { name: 'gitops', namespaces: [], releases: [] },
  ];
}

function render(s: Site, layers: SiteLayer[]): { objects: K8sObject[] } {
  return { objects: new GitopsChart(new App(), 'gitops', { site: s, platform: PLATFORM, layers }).toJson() as K8sObject[] };
}

describe('Helm releases as Argo CD Applications', () => {
  const release = fixtureRelease();
  const hubSite = site('plant-a', 1);
  const { objects } = render(hubSite, layersWith(release));
  const app = findResource(objects, 'Application', 'plant-a-fixture-controller', ARGOCD_NAMESPACE);

  it('renders one Application per release, named <site>-<release>, in the argocd namespace', () => {
    expect(findAll(objects, 'Application').map((o) => o.metadata.name)).toEqual(['plant-a-fixture-controller']);
  });

  it('installs the pinned chart with the values from TypeScript', () => {
    expect(app.spec.source).toEqual({
      repoURL: release.chart.repoURL,
      chart: release.chart.chart,
      targetRevision: release.chart.version,
      helm: { releaseName: 'fixture-controller', valuesObject: { replicas: 1, nested: { enabled: true } } },
    });
  });

  it('orders it by the release sync wave', () => {
    expect(app.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('-5');
  });

  it('syncs automatically with prune, self-heal, retry backoff and server-side apply, never creating namespaces', () => {
    const policy = app.spec.syncPolicy;
    expect(policy.automated).toEqual({ prune: true, selfHeal: true });
    expect(policy.retry).toEqual({ limit: SYNC_RETRY.limit, backoff: SYNC_RETRY.backoff });
    expect(policy.syncOptions).toContain('ServerSideApply=true');
    expect(policy.syncOptions.join(',')).not.toMatch(/CreateNamespace=true/);
  });

  it('can opt out of server-side apply', () => {
    const { objects: o } = render(hubSite, layersWith(fixtureRelease({ serverSideApply: false })));
    expect(findAll(o, 'Application')[0].spec.syncPolicy.syncOptions).not.toContain('ServerSideApply=true');
  });

  it('hub mode: deploys to the site cluster by name, in project edge-sites; nothing else is rendered', () => {
    expect(app.spec.destination).toEqual({ name: 'plant-a', namespace: 'fixture' });
    expect(app.spec.project).toBe(PROJECTS.sites);
    expect(objects.map((o) => o.kind)).toEqual(['Application']);
  });

  it('never cascades a deletion into the site (no resources finalizer)', () => {
    expect((app.metadata as { finalizers?: string[] }).finalizers).toBeUndefined();
  });

  it('labels the Application with site, ring and the declaring layer', () => {
    expect(app.metadata.labels).toMatchObject({ 'edge-ai.io/site': 'plant-a', 'edge-ai.io/ring': '1', 'edge-ai.io/layer': 'fixture' });
  });

  it('counts the release requests in the site capacity check', () => {
    const fixtureLayer = (releases: HelmRelease[]) =>
      defineLayer<true>({
        name: 'fixture',
        resolve: () => true,
        namespaces: () => [{ name: 'fixture', layer: 'fixture' }],
        build: (scope) => new Chart(scope, 'fixture', { disableResourceNameHashes: true }),
        releases: () => releases,
      });
    const requests = (releases: HelmRelease[]) =>
      renderSite({ site: hubSite, file: 'sites/plant-a.yaml', catalog: repoCatalog() }, [baselineLayer, fixtureLayer(releases), gitopsLayer]).summary.requests;
    const [declared] = release.requests;
    expect(requests([release]).memoryMiB - requests([]).memoryMiB).toBe(declared.memoryMiB);
    expect(requests([release]).cpuMillicores - requests([]).cpuMillicores).toBe(declared.cpuMillicores);
  });

  it('makes the capacity check fail when a release does not fit the site', () => {
    const huge = fixtureRelease({ requests: [{ name: 'huge-controller', cpuMillicores: 100, memoryMiB: 64 * 1024, podCpuMillicores: 100, podMemoryMiB: 64 * 1024 }] });
    const fixtureLayer = defineLayer<true>({
      name: 'fixture',
      resolve: () => true,
      namespaces: () => [{ name: 'fixture', layer: 'fixture' }],
      build: (scope) => new Chart(scope, 'fixture', { disableResourceNameHashes: true }),
      releases: () => [huge],
    });
    const registry = [baselineLayer, fixtureLayer, gitopsLayer];
    expect(() => renderSite({ site: hubSite, file: 'sites/plant-a.yaml', catalog: repoCatalog() }, registry)).toThrow(/does not have the capacity.*huge-controller/);
  });
});

describe('pull mode', () => {
  const pullSite = site('plant-b', 2, 'gitops: { mode: pull, syncWindows: [{ kind: allow, schedule: "0 1 * * *", duration: 3h }] }');
  const { objects } = render(pullSite, layersWith(fixtureRelease()));

  it('adds the site project, synced first and never pruned', () => {
    const project = findResource(objects, 'AppProject', PROJECTS.site, ARGOCD_NAMESPACE);
    expect(project.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-wave': '-20',
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
    });
    expect(project.spec.destinations).toEqual([{ server: IN_CLUSTER_SERVER, namespace: 'fixture' }]);
    expect(project.spec.syncWindows).toEqual([
      { kind: 'allow', schedule: '0 1 * * *', duration: '3h', timeZone: 'UTC', manualSync: true, applications: ['*'] },
    ]);
  });

  it('adds one Application per layer file except its own, in-cluster, baseline first', () => {
    const apps = findAll(objects, 'Application').filter((a) => a.metadata.labels?.['edge-ai.io/helm-release'] === undefined);
    expect(apps.map((a) => [a.metadata.name, a.spec.source.directory.include, a.metadata.annotations?.['argocd.argoproj.io/sync-wave']])).toEqual([
      ['plant-b-baseline', 'baseline.k8s.yaml', '-10'],
      ['plant-b-fixture', 'fixture.k8s.yaml', '0'],
    ]);
    for (const a of apps) {
      expect(a.spec.destination.server).toBe(IN_CLUSTER_SERVER);
      expect(a.spec.project).toBe(PROJECTS.site);
      expect(a.spec.source.path).toBe('dist/plant-b');
      expect(a.spec.syncPolicy.syncOptions).toEqual([...LAYER_SYNC_OPTIONS]);
    }
  });

  it('installs Helm releases in-cluster, in the site project', () => {
    const helm = findResource(objects, 'Application', 'plant-b-fixture-controller');
    expect(helm.spec.destination).toEqual({ server: IN_CLUSTER_SERVER, namespace: 'fixture' });
    expect(helm.spec.project).toBe(PROJECTS.site);
  });

  it('switching a sample site to pull by one field gives it its own Argo CD objects for exactly its layers', () => {
    const office = buildSite(sampleInMode('office', 'pull')).layers.gitops;
    const layerApps = findAll(office, 'Application')
      .filter((a) => a.metadata.labels?.['edge-ai.io/helm-release'] === undefined)
      .map((a) => a.metadata.name);
    // office has Ollama disabled: no Application may point at a file that is not rendered.
    expect(layerApps).toEqual(['office-baseline', 'office-inference', 'office-policies', 'office-monitoring']);
    expect(findAll(office, 'AppProject')).toHaveLength(1);
  });
});

describe('inconsistent Helm release declarations', () => {
  const s = site('plant-c', 1);
  const layer = (name: string, namespaces: string[], releases: HelmRelease[]): LayerDefinition =>
    defineLayer<true>({
      name,
      resolve: () => true,
      namespaces: () => namespaces.map((n) => ({ name: n, layer: name })),
      build: () => {
        throw new Error('not built in this test');
      },
      releases: () => releases,
    });
  const layersOf = (site: Site, defs: readonly LayerDefinition[]): SiteLayer[] =>
    siteLayers(site, resolveSite({ site, file: `sites/${site.name}.yaml`, catalog: repoCatalog() }, defs).view);
  const check = (defs: LayerDefinition[]): (() => void) => () => layersOf(s, defs);

  it('rejects a release in a namespace no layer declares', () => {
    expect(check([layer('fixture', ['fixture'], [fixtureRelease({ namespace: 'elsewhere' })])])).toThrow(
      /site "plant-c", layer "fixture", Helm release "fixture-controller": namespace "elsewhere" is not declared by any enabled layer \(declared: fixture\).*add it to the layer's namespaces\(\)/,
    );
  });

  it('rejects two releases with the same name', () => {
    expect(check([layer('a', ['fixture'], [fixtureRelease()]), layer('b', [], [fixtureRelease()])])).toThrow(/already used by layer "a".*rename one release/);
  });

  it('rejects a release named like a layer', () => {
    expect(check([layer('fixture', ['fixture'], [fixtureRelease({ name: 'fixture' })])])).toThrow(/named like a layer.*rename the release/);
  });

  it('rejects a chart that is not pinned in lib/model/versions.ts', () => {
    const chart = { repoURL: 'https://charts.example.com', chart: 'thing', version: '1.0.0' };
    expect(check([layer('fixture', ['fixture'], [fixtureRelease({ chart })])])).toThrow(/chart thing 1.0.0 from https:\/\/charts.example.com is not an entry of HELM_CHARTS/);
  });

  it('rejects a sync wave that would run before the namespaces exist', () => {
    expect(check([layer('fixture', ['fixture'], [fixtureRelease({ syncWave: -10 })])])).toThrow(/syncWave -10 must be a whole number above -10/);
  });

  it('accepts the real layer registry for every sample site', () => {
    for (const name of ['factory-floor', 'warehouse', 'office']) {
      expect(() => buildSite(sampleInMode(name, 'hub'))).not.toThrow();
      expect(() => layersOf(sampleInMode(name, 'pull'), LAYERS)).not.toThrow();
    }
  });
});
