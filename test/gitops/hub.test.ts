/**
 * The hub output: the AppProjects' guard rails, the ApplicationSets' requirements (Go templates with
 * missingkey=error, fixed project, preserved resources, ring-ordered RollingSync), and what their generators
 * produce — simulated from the rendered generator files and a registered cluster per site, then compared
 * with what the same site renders in pull mode (one function makes both).
 */
import { layerApplication } from '../../charts/gitops/application';
import { GITOPS_APPLICATIONSET, LAYERS_APPLICATIONSET, maxUpdateForRing } from '../../charts/gitops/applicationset';
import { ARGOCD_NAMESPACE, CLUSTER_SECRET_TYPE_LABEL, GITOPS_MODE_LABEL, IN_CLUSTER_SERVER, PROJECTS, RING_LABEL, SITE_LABEL } from '../../charts/gitops/contract';
import { CLUSTER_SCOPED_KINDS } from '../../charts/gitops/project';
import { LayerEntry, SiteEntry } from '../../charts/gitops/site';
import { HELM_CHARTS } from '../../lib/model/versions';
import { K8sObject, buildSite, findAll, findResource, repoPlatform, sampleSite } from '../helpers';
import { evaluateTemplate, renderHubFor, sampleInMode, site, stepMatches } from './support';

const PLATFORM = repoPlatform();

const samples = ['factory-floor', 'office', 'warehouse'].map(sampleSite);
const hub = renderHubFor(samples);
const appSet = (name: string): K8sObject => findResource(hub.objects, 'ApplicationSet', name, ARGOCD_NAMESPACE);
const project = (name: string): K8sObject => findResource(hub.objects, 'AppProject', name, ARGOCD_NAMESPACE);

describe('hub files', () => {
  it('are the projects, the ApplicationSets and two generator files per hub-mode site (warehouse is pull mode)', () => {
    expect(hub.files.map((f) => f.path).sort()).toEqual([
      'hub/applicationsets.k8s.yaml',
      'hub/layers/factory-floor.json',
      'hub/layers/office.json',
      'hub/projects.k8s.yaml',
      'hub/sites/factory-floor.json',
      'hub/sites/office.json',
      'hub/telemetry.k8s.yaml',
    ]);
  });

  it('list exactly the enabled layer files of each site (office has no Ollama)', () => {
    const layers = (s: string): string[] => (hub.json.get(`hub/layers/${s}.json`) as LayerEntry[]).map((e) => e.layer);
    expect(layers('factory-floor')).toEqual(['baseline', 'inference', 'ollama', 'mesh', 'falco', 'policies', 'monitoring']);
    expect(layers('office')).toEqual(['baseline', 'inference', 'policies', 'monitoring']);
    expect(hub.json.get('hub/sites/office.json')).toEqual({ site: 'office', ring: '2' });
  });
});

describe('ApplicationSets', () => {
  for (const name of [LAYERS_APPLICATIONSET, GITOPS_APPLICATIONSET]) {
    describe(name, () => {
      const spec = appSet(name).spec;

      it('use Go templates that fail on a missing key', () => {
        expect(spec.goTemplate).toBe(true);
        expect(spec.goTemplateOptions).toEqual(['missingkey=error']);
      });

      it('never template the project from generator data', () => {
        expect(spec.template.spec.project).not.toMatch(/\{\{/);
      });

      it('preserve the site resources when an Application is deleted', () => {
        expect(spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
      });

      it('join the rendered generator files with the registered hub-mode cluster of the same site', () => {
        const [git, clusters] = spec.generators[0].matrix.generators;
        expect(git.git.repoURL).toBe(PLATFORM.repoURL);
        expect(git.git.revision).toBe(PLATFORM.targetRevision);
        expect(clusters.clusters.selector.matchLabels).toEqual({
          [CLUSTER_SECRET_TYPE_LABEL]: 'cluster',
          [SITE_LABEL]: '{{ .site }}',
          [GITOPS_MODE_LABEL]: 'hub',
        });
      });

      it('sync automatically with prune and self-heal and retry with backoff', () => {
        expect(spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
        expect(spec.template.spec.syncPolicy.retry.backoff).toMatchObject({ factor: 2 });
      });

      it('roll out with RollingSync', () => {
        expect(spec.strategy.type).toBe('RollingSync');
      });
    });
  }

  it('name layer Applications from site and layer, and send them to the cluster of the cluster secret', () => {
    const t = appSet(LAYERS_APPLICATIONSET).spec.template;
    expect(t.metadata.name).toBe('{{ .site }}-{{ .layer }}');
    expect(t.spec.destination).toEqual({ name: '{{ .name }}', namespace: '{{ .namespace }}' });
    expect(t.spec.project).toBe(PROJECTS.sites);
  });

  it('put each hub site’s gitops.k8s.yaml into the hub’s own argocd namespace, in the restricted edge-hub project', () => {
    const t = appSet(GITOPS_APPLICATIONSET).spec.template;
    expect(t.spec.destination).toEqual({ server: IN_CLUSTER_SERVER, namespace: ARGOCD_NAMESPACE });
    expect(t.spec.source.directory.include).toBe('gitops.k8s.yaml');
    expect(t.spec.project).toBe(PROJECTS.hub);
  });
});

describe('staged rollout', () => {
  const fleet = [site('ring-three', 3, '', 41), site('canary', 0, '', 42), site('early-a', 1, '', 43), site('early-b', 1, '', 44)];
  const h = renderHubFor(fleet);
  const steps = (name: string) => findResource(h.objects, 'ApplicationSet', name).spec.strategy.rollingSync.steps;

  it('maps the rings in the inventory to RollingSync steps in ascending order, namespaces first in each ring', () => {
    const layerSteps = steps(LAYERS_APPLICATIONSET).map((s: { matchExpressions: { key: string; operator: string; values: string[] }[]; maxUpdate: string }) => [
      s.matchExpressions[0].values[0],
      s.matchExpressions[1].operator,
      s.maxUpdate,
    ]);
    expect(layerSteps).toEqual([
      ['0', 'In', '100%'],
      ['0', 'NotIn', '100%'],
      ['1', 'In', '25%'],
      ['1', 'NotIn', '25%'],
      ['3', 'In', '25%'],
      ['3', 'NotIn', '25%'],
    ]);
    expect(steps(GITOPS_APPLICATIONSET).map((s: { matchExpressions: { values: string[] }[] }) => s.matchExpressions[0].values)).toEqual([['0'], ['1'], ['3']]);
  });

  it('updates the canary ring at once and later rings a quarter at a time', () => {
    expect([0, 1, 5].map(maxUpdateForRing)).toEqual(['100%', '25%', '25%']);
  });

  it('puts every generated Application into exactly one step, the step of its ring', () => {
    for (const [name, dir] of [
      [LAYERS_APPLICATIONSET, 'layers'],
      [GITOPS_APPLICATIONSET, 'sites'],
    ] as const) {
      const set = findResource(h.objects, 'ApplicationSet', name).spec;
      for (const s of fleet) {
        const data = h.json.get(`hub/${dir}/${s.name}.json`);
        for (const entry of (Array.isArray(data) ? data : [data]) as Record<string, string>[]) {
          const labels = evaluateTemplate(set.template.metadata.labels as Record<string, string>, { ...entry, name: s.name });
          const matching = set.strategy.rollingSync.steps.filter((st: Parameters<typeof stepMatches>[0]) => stepMatches(st, labels));
          expect(matching).toHaveLength(1);
          expect(matching[0].matchExpressions[0].values).toEqual([String(s.ring)]);
        }
      }
    }
  });
});

describe('a site switched to pull mode', () => {
  const switched = renderHubFor([sampleInMode('factory-floor', 'pull'), sampleSite('office')]);

  it('disappears from the hub generators and the hub project windows', () => {
    expect([...switched.json.keys()].sort()).toEqual(['hub/layers/office.json', 'hub/sites/office.json']);
    const windows = findResource(switched.objects, 'AppProject', PROJECTS.sites).spec.syncWindows ?? [];
    expect(windows.flatMap((w: { clusters?: string[] }) => w.clusters ?? [])).not.toContain('factory-floor');
  });

  it('gets its own Argo CD objects instead', () => {
    const gitops = buildSite(sampleInMode('factory-floor', 'pull')).layers.gitops;
    expect(findAll(gitops, 'AppProject').map((p) => p.metadata.name)).toEqual([PROJECTS.site]);
    expect(findAll(gitops, 'Application').map((a) => a.metadata.name)).toEqual(
      expect.arrayContaining(['factory-floor-baseline', 'factory-floor-inference', 'factory-floor-ollama', 'factory-floor-monitoring']),
    );
  });

  it('syncs every layer exactly like the hub would: the generated spec equals the pull-mode spec but for project and destination', () => {
    const template = appSet(LAYERS_APPLICATIONSET).spec.template;
    const pulled = buildSite(sampleInMode('factory-floor', 'pull')).layers.gitops;
    for (const entry of hub.json.get('hub/layers/factory-floor.json') as LayerEntry[]) {
      const generated = evaluateTemplate(template, { ...entry, name: 'factory-floor' });
      const local = findResource(pulled, 'Application', `factory-floor-${entry.layer}`);
      const strip = (spec: Record<string, unknown>) => ({ ...spec, project: undefined, destination: undefined });
      expect(strip(generated.spec)).toEqual(strip(local.spec));
      expect(generated.metadata.name).toBe(local.metadata.name);
      expect(generated.metadata.labels).toEqual(Object.fromEntries(Object.entries(local.metadata.labels ?? {}).filter(([k]) => k !== 'app.kubernetes.io/managed-by')));
      expect(generated.spec.destination).toEqual({ name: 'factory-floor', namespace: local.spec.destination.namespace });
    }
  });

  it('uses the same function for the ApplicationSet template', () => {
    const t = appSet(LAYERS_APPLICATIONSET).spec.template;
    const direct = layerApplication({
      name: t.metadata.name,
      site: '{{ .site }}',
      layer: '{{ .layer }}',
      ring: '{{ .ring }}',
      project: PROJECTS.sites,
      repoURL: PLATFORM.repoURL,
      targetRevision: PLATFORM.targetRevision,
      path: 'dist/{{ .site }}',
      include: '{{ .layer }}.k8s.yaml',
      cluster: { name: '{{ .name }}' },
      namespace: '{{ .namespace }}',
    });
    expect(t.spec).toEqual(direct.spec);
  });
});

describe('AppProject guard rails', () => {
  const sites = project(PROJECTS.sites).spec;

  it('allow this repository and the pinned Helm repositories only', () => {
    const helm = [...new Set(Object.values(HELM_CHARTS).map((c) => c.repoURL))].sort();
    expect(sites.sourceRepos).toEqual([PLATFORM.repoURL, ...helm]);
  });

  it('allow project-scoped clusters only, in the namespaces the layers and releases use', () => {
    expect(sites.permitOnlyProjectScopedClusters).toBe(true);
    const namespaces = sites.destinations.map((d: { name: string; namespace: string }) => {
      expect(d.name).toBe('*');
      return d.namespace;
    });
    expect(namespaces).toEqual(expect.arrayContaining(['inference', 'ollama', 'monitoring']));
    expect(namespaces).not.toContain(ARGOCD_NAMESPACE);
    expect(namespaces).not.toContain('kube-system');
  });

  it('list cluster-scoped kinds explicitly, Namespaces only by the names the layers own', () => {
    const whitelist = sites.clusterResourceWhitelist as { group: string; kind: string; name?: string }[];
    const namespaceNames = whitelist.filter((w) => w.kind === 'Namespace').map((w) => w.name);
    expect(namespaceNames).toEqual(sites.destinations.map((d: { namespace: string }) => d.namespace));
    expect(whitelist.filter((w) => w.kind !== 'Namespace')).toEqual(CLUSTER_SCOPED_KINDS.map(({ group, kind }) => ({ group, kind })));
    expect(whitelist.some((w) => w.kind === '*' || w.group === '*')).toBe(false);
  });

  it('report orphaned resources', () => {
    expect(sites.orphanedResources).toEqual({ warn: true });
  });

  it('take sync windows from the inventory, scoped to the site clusters', () => {
    expect(sites.syncWindows).toEqual([
      { kind: 'deny', schedule: '0 8 * * 1-5', duration: '10h', timeZone: 'Europe/Berlin', manualSync: true, clusters: ['office'] },
    ]);
  });

  it('share one window entry between sites with the same window', () => {
    const w = 'gitops: { syncWindows: [{ kind: allow, schedule: "0 2 * * *", duration: 2h, timeZone: Europe/Vienna }] }';
    const h = renderHubFor([site('a-site', 1, w, 51), site('b-site', 1, w, 52), site('c-site', 1, '', 53)]);
    expect(findResource(h.objects, 'AppProject', PROJECTS.sites).spec.syncWindows).toEqual([
      { kind: 'allow', schedule: '0 2 * * *', duration: '2h', timeZone: 'Europe/Vienna', manualSync: true, clusters: ['a-site', 'b-site'] },
    ]);
  });

  it('restrict the hub-side project to Applications in the hub argocd namespace', () => {
    expect(project(PROJECTS.hub).spec).toMatchObject({
      sourceRepos: [PLATFORM.repoURL],
      destinations: [{ server: IN_CLUSTER_SERVER, namespace: ARGOCD_NAMESPACE }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [{ group: 'argoproj.io', kind: 'Application' }],
    });
  });

  it('are never pruned by the root Application', () => {
    for (const o of hub.objects) expect(o.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  });
});

describe('generator data', () => {
  it('carries the ring as a label-safe string and the namespace the Application may target', () => {
    for (const entry of hub.json.get('hub/layers/factory-floor.json') as LayerEntry[]) {
      expect(entry.ring).toBe('0');
      expect(project(PROJECTS.sites).spec.destinations.map((d: { namespace: string }) => d.namespace)).toContain(entry.namespace);
    }
    expect((hub.json.get('hub/sites/factory-floor.json') as SiteEntry).ring).toBe('0');
    expect(RING_LABEL).toBe('edge-ai.io/ring');
  });
});
