/**
 * Every Argo CD object the project renders or hands to Terraform validates strictly against the vendored
 * upstream CRDs (schemas/crds/argoproj.io_*.yaml, Argo CD v3.5.1) through tools/validate: unknown fields are
 * errors, as with `kubectl apply --validate=strict`. The pull-mode gitops file also holds Argo CD core's
 * NetworkPolicies, validated against the Kubernetes OpenAPI the same way. Controls prove the validator rejects
 * what it should.
 */
import { bootstrapProject, hubRootApplications, pullRootApplication, rootApplicationObject } from '../../charts/gitops/bootstrap';
import { PROJECTS } from '../../charts/gitops/contract';
import { formatIssue, validateManifests } from '../../tools/validate';
import { buildSite, K8sObject, repoPlatform, sampleSite } from '../helpers';
import { renderHubFor, sampleInMode } from './support';

const ARGO_KINDS = new Set(['Application', 'ApplicationSet', 'AppProject']);
/** What else a gitops file may hold: Argo CD core's own NetworkPolicies at a pull-mode site. */
const PULL_EXTRA_KINDS = new Set(['NetworkPolicy']);

function issues(objects: readonly unknown[]): string[] {
  return validateManifests([...objects]).map(formatIssue);
}

function argoObjects(): { where: string; objects: K8sObject[]; extraKinds: ReadonlySet<string> }[] {
  const out: { where: string; objects: K8sObject[]; extraKinds: ReadonlySet<string> }[] = [];
  for (const name of ['factory-floor', 'office', 'warehouse']) {
    for (const mode of ['hub', 'pull'] as const) {
      const objects = buildSite(sampleInMode(name, mode)).layers.gitops;
      out.push({ where: `${name} (${mode} mode) gitops.k8s.yaml`, objects, extraKinds: mode === 'pull' ? PULL_EXTRA_KINDS : new Set() });
    }
  }
  out.push({ where: 'dist/hub', objects: renderHubFor(['factory-floor', 'office', 'warehouse'].map(sampleSite)).objects, extraKinds: new Set() });
  const site = sampleSite('warehouse');
  const platform = repoPlatform();
  const bootstrap = [
    bootstrapProject(platform, 'pull'),
    bootstrapProject(platform, 'hub'),
    rootApplicationObject(pullRootApplication(site, platform)),
    ...hubRootApplications(platform).map(rootApplicationObject),
  ] as K8sObject[];
  out.push({ where: 'Terraform bootstrap objects', objects: bootstrap, extraKinds: new Set() });
  return out;
}

describe('Argo CD objects against the vendored CRDs (closed world)', () => {
  const sets = argoObjects();

  it.each(sets.map((s) => [s.where, s.objects, s.extraKinds] as const))('%s: zero schema issues', (_where, objects, extraKinds) => {
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.filter((o) => !ARGO_KINDS.has(o.kind) && !extraKinds.has(o.kind)).map((o) => o.kind)).toEqual([]);
    expect(issues(objects)).toEqual([]);
  });

  it('covers all three Argo CD kinds, and the NetworkPolicies of a pull-mode site', () => {
    const kinds = new Set(sets.flatMap((s) => s.objects.map((o) => o.kind)));
    expect([...kinds].sort()).toEqual(['AppProject', 'Application', 'ApplicationSet', 'NetworkPolicy']);
  });
});

describe('controls: the validator rejects', () => {
  const hub = renderHubFor([sampleSite('office')]);
  const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

  it('an unknown field in an AppProject', () => {
    const p = clone(hub.objects.find((o) => o.kind === 'AppProject') as K8sObject);
    p.spec.destination = p.spec.destinations;
    expect(issues([p]).join('\n')).toMatch(/destination/);
  });

  it('an unknown field deep in an ApplicationSet template', () => {
    const s = clone(hub.objects.find((o) => o.kind === 'ApplicationSet') as K8sObject);
    s.spec.template.spec.syncPolicy.automated.pruneAll = true;
    expect(issues([s]).join('\n')).toMatch(/pruneAll/);
  });

  it('a wrong type in a RollingSync step', () => {
    const s = clone(hub.objects.find((o) => o.kind === 'ApplicationSet') as K8sObject);
    s.spec.strategy.rollingSync.steps[0].matchExpressions[0].values = 'not-a-list';
    expect(issues([s])).not.toEqual([]);
  });

  it('an unknown sync-window field', () => {
    const p = clone(hub.objects.find((o) => o.metadata.name === PROJECTS.sites) as K8sObject);
    p.spec.syncWindows[0].timezone = 'UTC';
    expect(issues([p]).join('\n')).toMatch(/timezone/);
  });
});
