/**
 * Invariants over every object every sample site renders: explicit stable names (no cdk8s hashes),
 * recommended labels and the site label, pinned images, hardened pods.
 */
import { buildSite, sampleSite, K8sObject } from '../helpers';

const SITES = ['factory-floor', 'warehouse', 'office'];
const CDK8S_HASH = /-c8[0-9a-f]{6}$/;
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Rollout']);

function podSpecs(o: K8sObject): K8sObject['spec'][] {
  if (WORKLOADS.has(o.kind)) return [o.spec.template.spec];
  return [];
}

describe.each(SITES)('%s: rendered objects', (name) => {
  const { all } = buildSite(sampleSite(name));

  it('has explicit names without cdk8s hashes', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const o of all) {
      expect(o.metadata.name).toBeTruthy();
      expect(o.metadata.name).not.toMatch(CDK8S_HASH);
    }
  });

  it('carries the recommended labels and the site label', () => {
    for (const o of all) {
      const labels = o.metadata.labels ?? {};
      expect({ kind: o.kind, name: o.metadata.name, labels }).toEqual({
        kind: o.kind,
        name: o.metadata.name,
        labels: expect.objectContaining({
          'app.kubernetes.io/name': expect.any(String),
          'app.kubernetes.io/part-of': 'edge-ai-platform',
          'app.kubernetes.io/managed-by': 'cdk8s',
          'app.kubernetes.io/component': expect.any(String),
          'edge-ai.io/site': name,
        }),
      });
    }
  });

  it('pins every image and hardens every pod it renders itself', () => {
    for (const o of all) {
      for (const spec of podSpecs(o)) {
        expect(spec.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
        expect(spec.automountServiceAccountToken === true && !spec.serviceAccountName).toBe(false);
        for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
          expect(c.image).toMatch(/(:[\w][\w.-]*|@sha256:[a-f0-9]{64})$/);
          expect(c.image).not.toMatch(/:latest$/);
          expect(c.securityContext).toEqual(
            expect.objectContaining({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true }),
          );
          expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
          expect(c.resources.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));
        }
        // Long-running containers need probes; a Job's container runs to completion (probes do not apply).
        for (const c of o.kind === 'Job' ? [] : spec.containers ?? []) {
          expect(c.livenessProbe).toBeDefined();
          expect(c.readinessProbe).toBeDefined();
        }
      }
    }
  });
});
