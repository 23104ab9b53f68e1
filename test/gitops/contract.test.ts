/**
 * The Terraform contract as documented in docs/gitops.md is exactly what the code uses: the cluster secret
 * labels the hub generators select on, the Helm values that enable Progressive Syncs, and the bootstrap
 * objects (which validate against the CRDs in validate.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import {
  bootstrapProject,
  HUB_MONITORING_ROOT_APPLICATION,
  HUB_ROOT_APPLICATION,
  hubRootApplication,
  hubRootApplications,
  pullRootApplication,
  rootApplicationObject,
} from '../../charts/gitops/bootstrap';
import {
  ARGOCD_NAMESPACE,
  clusterSecretData,
  clusterSecretLabels,
  GITOPS_MODE_LABEL,
  HUB_ARGOCD_HELM_VALUES,
  PULL_ARGOCD_HELM_VALUES,
  PULL_ARGOCD_SIZES,
  SITE_LABEL,
} from '../../charts/gitops/contract';
import { repoPlatform, sampleSite } from '../helpers';
import { renderHubFor } from './support';

const PLATFORM = repoPlatform();

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'gitops.md'), 'utf8');

/** The YAML documents of the fenced block that follows `<!-- contract:ID -->`. */
function block(id: string): unknown[] {
  const m = new RegExp(`<!-- contract:${id} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`docs/gitops.md has no contract block "${id}"`);
  return yaml.loadAll(m[1]);
}

const json = (o: unknown): unknown => JSON.parse(JSON.stringify(o));

describe('Terraform contract in docs/gitops.md', () => {
  it('cluster secret: labels, name and project', () => {
    const [secret] = block('cluster-secret') as { metadata: { namespace: string; labels: Record<string, string> }; stringData: Record<string, string> }[];
    const site = sampleSite('factory-floor');
    expect(secret.metadata.namespace).toBe(ARGOCD_NAMESPACE);
    expect(secret.metadata.labels).toEqual(clusterSecretLabels(site));
    expect(secret.stringData).toMatchObject(clusterSecretData(site));
  });

  it('cluster secret labels are what the hub generators select on', () => {
    const labels = clusterSecretLabels(sampleSite('factory-floor'));
    for (const set of renderHubFor([sampleSite('factory-floor')]).objects.filter((o) => o.kind === 'ApplicationSet')) {
      const selector = set.spec.generators[0].matrix.generators[1].clusters.selector.matchLabels as Record<string, string>;
      for (const [k, v] of Object.entries(selector)) expect(labels[k]).toBe(k === SITE_LABEL ? 'factory-floor' : v);
    }
    expect(labels[GITOPS_MODE_LABEL]).toBe('hub');
  });

  it('hub Helm values enable Progressive Syncs', () => {
    expect(block('hub-helm-values')).toEqual([json(HUB_ARGOCD_HELM_VALUES)]);
    expect(HUB_ARGOCD_HELM_VALUES.configs.params['applicationsetcontroller.enable.progressive.syncs']).toBe(true);
  });

  it('pull-mode Helm values restore the Application health check and size Argo CD core for a Raspberry Pi', () => {
    expect(block('pull-helm-values')).toEqual([json(PULL_ARGOCD_HELM_VALUES)]);
    const values = PULL_ARGOCD_HELM_VALUES;
    for (const [component, size] of [
      [values.controller, PULL_ARGOCD_SIZES.controller],
      [values.repoServer, PULL_ARGOCD_SIZES.repoServer],
      [values.redis, PULL_ARGOCD_SIZES.redis],
      [values.redisSecretInit, PULL_ARGOCD_SIZES.redisSecretInit],
    ] as const) {
      // Requests and limits on every container left enabled; memory limit = request (no overcommit).
      expect(component.resources).toEqual({
        requests: { cpu: `${size.cpuMillicores}m`, memory: `${size.memoryMiB}Mi` },
        limits: { cpu: `${size.cpuLimitMillicores}m`, memory: `${size.memoryMiB}Mi` },
      });
      expect(size.cpuLimitMillicores).toBeGreaterThanOrEqual(size.cpuMillicores);
    }
  });

  it('hub bootstrap: project and the root Applications (edge-hub, edge-hub-monitoring)', () => {
    const roots = hubRootApplications(PLATFORM);
    expect(roots.map((r) => r.metadata.name)).toEqual([HUB_ROOT_APPLICATION, HUB_MONITORING_ROOT_APPLICATION]);
    expect(block('hub-bootstrap')).toEqual(json([bootstrapProject(PLATFORM, 'hub'), ...roots.map(rootApplicationObject)]));
    expect(block('hub-bootstrap')[1]).toEqual(json(rootApplicationObject(hubRootApplication(PLATFORM))));
  });

  it('pull bootstrap: project and root Application (the site’s gitops layer Application)', () => {
    const root = rootApplicationObject(pullRootApplication(sampleSite('warehouse'), PLATFORM));
    expect(block('pull-bootstrap')).toEqual(json([bootstrapProject(PLATFORM, 'pull'), root]));
    expect(root.spec.source).toMatchObject({ path: 'dist/warehouse', directory: { include: 'gitops.k8s.yaml' } });
  });
});
