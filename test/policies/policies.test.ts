/**
 * The admission policies of the policies layer, evaluated by a real CEL engine (@bufbuild/cel, through the
 * harness in tools/policy) exactly as rendered into dist/<site>/policies.k8s.yaml:
 * - every object of every sample site passes its site's policies, and the Pods its controllers create are
 *   admitted (after the namespace's LimitRange defaults, as the API server applies them before Kyverno);
 * - every negative fixture (test/policies/fixtures/, one per invariant) is denied with the policy's message;
 * - a policy with one expression removed lets its fixture through (the denial comes from that expression);
 * - the harness refuses Kyverno features it does not implement;
 * The ClusterPolicies validate closed-world against the Kyverno v1.16.4 CRD (schemas/crds) with every other
 * dist/ object in test/validate/dist.test.ts, and against the CRDs the Kyverno chart installs in test/helm.
 * The Helm-rendered releases (kube-prometheus-stack, Argo Rollouts, Kyverno itself, …) are checked in
 * test/helm/releases.test.ts, which renders them anyway.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { allowedImagePrefixes } from '../../charts/policies/props';
import { invariants, PolicyScope } from '../../charts/policies/policies';
import { POLICIES_NAMESPACE } from '../../charts/policies/names';
import { imageRegistry, upstreamRegistries } from '../../lib/model/versions';
import { JsonObject, PolicyHarness, UnsupportedPolicyError } from '../../tools/policy/kyverno';
import { compile, CelCompileError } from '../../tools/policy/cel';
import { withLimitRangeDefaults } from '../../tools/policy/admission';
import { repoFleet } from '../helpers';
import { describeDecision, distSite, SiteAdmission } from './support';

const SITES = ['factory-floor', 'office', 'warehouse'];
const FIXTURES = 'test/policies/fixtures';

/** Each fixture, the policy that denies it and the exact message (one per invariant). */
const DENIALS: Readonly<Record<string, { policy: string; message: string }>> = {
  'latest-tag.yaml': { policy: 'edge-pinned-images', message: 'every container image must be pinned: a version tag other than latest, or a digest (image@sha256:...)' },
  'untagged-image.yaml': { policy: 'edge-pinned-images', message: 'every container image must be pinned: a version tag other than latest, or a digest (image@sha256:...)' },
  'foreign-registry.yaml': {
    policy: 'edge-allowed-registries',
    message: 'every container image must come from an allowed registry: cr.l5d.io/, docker.io/, ecr-public.aws.com/, ghcr.io/, ghcr.io/edge-ai-gitops/, nvcr.io/, quay.io/, registry.k8s.io/ (lib/model/versions.ts and fleet.yaml images.registry)',
  },
  'foreign-registry-lookalike.yaml': {
    policy: 'edge-allowed-registries',
    message: 'every container image must come from an allowed registry: cr.l5d.io/, docker.io/, ecr-public.aws.com/, ghcr.io/, ghcr.io/edge-ai-gitops/, nvcr.io/, quay.io/, registry.k8s.io/ (lib/model/versions.ts and fleet.yaml images.registry)',
  },
  'run-as-root.yaml': { policy: 'edge-non-root', message: 'every container must run as non-root: set securityContext.runAsNonRoot: true on the pod or the container' },
  'privileged.yaml': { policy: 'edge-non-root', message: 'privileged containers are not allowed: remove securityContext.privileged' },
  'privilege-escalation.yaml': { policy: 'edge-non-root', message: 'every container must set securityContext.allowPrivilegeEscalation: false' },
  'missing-limits.yaml': { policy: 'edge-resources', message: 'every container must set resources.requests and resources.limits for cpu and memory' },
  'host-network.yaml': { policy: 'edge-host-namespaces', message: 'hostNetwork, hostPID and hostIPC are only allowed in namespaces with Pod Security level privileged (the node agents)' },
  'host-pid.yaml': { policy: 'edge-host-namespaces', message: 'hostNetwork, hostPID and hostIPC are only allowed in namespaces with Pod Security level privileged (the node agents)' },
  'host-path.yaml': { policy: 'edge-host-namespaces', message: 'hostPath volumes are only allowed in namespaces with Pod Security level privileged (the node agents)' },
};

const fixture = (file: string): JsonObject => load(readFileSync(`${FIXTURES}/${file}`, 'utf8')) as JsonObject;
const clone = <T>(v: T): T => structuredClone(v);
const factory = distSite('factory-floor');

describe.each(SITES)('%s: the rendered objects pass the site\'s policies', (name) => {
  const site = distSite(name);
  const harness = new PolicyHarness(site.policies);
  const admission = new SiteAdmission(harness, site.objects);

  it('renders one ClusterPolicy per invariant, each with an Enforce rule on Pods and an Audit rule on controllers', () => {
    expect(harness.policyNames.sort()).toEqual(invariants([]).map((i) => i.name).sort());
    for (const p of site.policies) {
      const rules = (p.spec as { rules: { name: string; validate: { failureAction: string } }[] }).rules;
      expect(rules.map((r) => [r.name, r.validate.failureAction])).toEqual([['pods', 'Enforce'], ['pod-controllers', 'Audit']]);
      expect((p.spec as { failurePolicy: string }).failurePolicy).toBe('Ignore');
    }
  });

  it('covers the site\'s own namespaces only, and spares the privileged ones from the pod-runtime invariants', () => {
    const declared = site.objects.filter((o) => o.kind === 'Namespace');
    const level = (o: JsonObject): string => ((o.metadata as { labels: Record<string, string> }).labels)['pod-security.kubernetes.io/enforce'];
    const names = (pred: (o: JsonObject) => boolean): string[] => declared.filter(pred).map((o) => String((o.metadata as { name: string }).name)).filter((n) => n !== POLICIES_NAMESPACE).sort();
    for (const p of site.policies) {
      const inv = invariants([]).find((i) => i.name === (p.metadata as { name: string }).name)!;
      const matched = (p.spec as { rules: { match: { any: { resources: { namespaces: string[] } }[] } }[] }).rules.map((r) => r.match.any[0].resources.namespaces);
      const expected = inv.scope === PolicyScope.ALL ? names(() => true) : names((o) => level(o) !== 'privileged');
      expect(expected).not.toContain('kube-system');
      for (const m of matched) expect(m).toEqual(expected);
    }
  });

  it('every object passes, and every Pod its controllers create is admitted', () => {
    const failures: string[] = [];
    const evaluated = new Map<string, number>();
    let pods = 0;
    for (const o of site.objects) {
      const v = admission.verdict(o);
      for (const d of v.decisions) {
        evaluated.set(d.policy, (evaluated.get(d.policy) ?? 0) + 1);
        if (d.result !== 'pass') failures.push(describeDecision(v.ref, d));
      }
      if (v.pod) {
        pods++;
        failures.push(...v.pod.denials.map((d) => describeDecision(`Pod of ${v.ref}`, d)));
      }
    }
    expect(failures).toEqual([]);
    // The check has something to bite on: every policy evaluated the site's workloads (the inference Rollout at least).
    expect([...evaluated.keys()].sort()).toEqual(harness.policyNames.sort());
    expect(pods).toBeGreaterThan(0);
  });
});

describe('negative fixtures (one per invariant)', () => {
  const harness = new PolicyHarness(factory.policies);

  it('every fixture is listed', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(DENIALS).sort());
  });

  it.each(Object.entries(DENIALS))('%s is denied by %s with its message', (file, expected) => {
    const pod = fixture(file);
    const { allowed, denials } = harness.admit({ object: pod });
    expect(allowed).toBe(false);
    expect(denials.map((d) => ({ policy: d.policy, rule: d.rule, result: d.result, messages: d.messages }))).toEqual([
      { policy: expected.policy, rule: 'pods', result: 'fail', messages: [expected.message] },
    ]);
    // The same pod template in a Deployment is audited (reported, not blocked) with the same message.
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: (pod.metadata as JsonObject).namespace }, spec: { template: { metadata: {}, spec: pod.spec } } };
    const audited = harness.admit({ object: deployment });
    expect(audited.allowed).toBe(true);
    expect(audited.audits.map((d) => [d.policy, d.rule, d.messages])).toEqual([[expected.policy, 'pod-controllers', [expected.message]]]);
  });

  it('hostNetwork, hostPath and root are admitted in a privileged namespace (the node agents\' monitoring-node)', () => {
    for (const file of ['host-network.yaml', 'host-path.yaml', 'run-as-root.yaml', 'privileged.yaml']) {
      const pod = clone(fixture(file));
      (pod.metadata as JsonObject).namespace = 'monitoring-node';
      expect({ file, ...harness.admit({ object: pod }) }).toEqual({ file, allowed: true, denials: [], audits: [] });
    }
  });

  it('a digest, a registry port with a tag and the fleet\'s own registry are admitted', () => {
    for (const image of ['quay.io/prometheus/prometheus@sha256:' + 'a'.repeat(64), 'ghcr.io/edge-ai-gitops/inference-server:0.2.0', 'ollama/ollama:0.34.2']) {
      const pod = clone(fixture('latest-tag.yaml'));
      ((pod.spec as JsonObject).containers as JsonObject[])[0].image = image;
      expect({ image, allowed: harness.admit({ object: pod }).allowed }).toEqual({ image, allowed: true });
    }
  });

  it('a registry port is not a tag', () => {
    const pinned = new PolicyHarness(factory.policies.filter((p) => (p.metadata as JsonObject).name === 'edge-pinned-images'));
    const withImage = (image: string): JsonObject => {
      const pod = clone(fixture('latest-tag.yaml'));
      ((pod.spec as JsonObject).containers as JsonObject[])[0].image = image;
      return pod;
    };
    expect(pinned.admit({ object: withImage('registry.lan:5000/edge/app') }).allowed).toBe(false);
    expect(pinned.admit({ object: withImage('registry.lan:5000/edge/app:1.0.0') }).allowed).toBe(true);
  });

  it('a LimitRange default fills in missing limits before Kyverno sees the pod (as the API server does)', () => {
    const limitRange = factory.objects.find((o) => o.kind === 'LimitRange' && (o.metadata as JsonObject).namespace === 'inference');
    expect(limitRange).toBeDefined();
    expect(harness.admit({ object: withLimitRangeDefaults(fixture('missing-limits.yaml'), limitRange) }).allowed).toBe(true);
  });

  it('an init container is checked like the others', () => {
    const pod = clone(fixture('latest-tag.yaml'));
    const spec = pod.spec as JsonObject;
    const good = { ...(spec.containers as JsonObject[])[0], image: 'ghcr.io/edge-ai-gitops/inference-server:0.2.0' };
    spec.initContainers = (spec.containers as JsonObject[]).map((c) => ({ ...c, name: 'init' }));
    spec.containers = [good];
    expect(harness.admit({ object: pod }).denials.map((d) => d.policy)).toEqual(['edge-pinned-images']);
  });
});

describe('mutation guard: each denial comes from the policy expression that names it', () => {
  it.each(Object.entries(DENIALS))('without the expression whose message %s expects, it is admitted', (file, expected) => {
    const mutated = factory.policies.map((p) => {
      const copy = clone(p);
      for (const rule of (copy.spec as { rules: { validate: { cel: { expressions: { message: string }[] } } }[] }).rules) {
        const exprs = rule.validate.cel.expressions;
        const kept = exprs.filter((e) => e.message !== expected.message);
        // A rule needs one expression: replace the removed one by a tautology.
        rule.validate.cel.expressions = kept.length > 0 ? kept : [{ expression: 'true', message: 'removed' } as never];
      }
      return copy;
    });
    expect(new PolicyHarness(factory.policies).admit({ object: fixture(file) }).allowed).toBe(false);
    expect(new PolicyHarness(mutated).admit({ object: fixture(file) }).allowed).toBe(true);
  });
});

describe('allowed registries come from lib/model/versions.ts and fleet.yaml', () => {
  it('the rendered registry policy allows exactly the upstream registries of the pins and the fleet registry', () => {
    const registry = factory.policies.find((p) => (p.metadata as JsonObject).name === 'edge-allowed-registries')!;
    const variables = (registry.spec as { rules: { validate: { cel: { variables: { name: string; expression: string }[] } } }[] }).rules[0].validate.cel.variables;
    const prefixes = variables.find((v) => v.name === 'allowedPrefixes')!.expression;
    const expected = allowedImagePrefixes(repoFleet().images.registry);
    expect(prefixes).toBe(`[${expected.map((p) => `'${p}'`).join(', ')}]`);
    expect(expected).toEqual(expect.arrayContaining([...upstreamRegistries().map((r) => `${r}/`), `${repoFleet().images.registry}/`]));
  });

  it('imageRegistry resolves Docker Hub short names and registry hosts as containerd does', () => {
    expect(['ollama/ollama:1', 'busybox:1', 'localhost/x:1', 'registry.lan:5000/a/b:1', 'quay.io/x/y:1'].map(imageRegistry)).toEqual(['docker.io', 'docker.io', 'localhost', 'registry.lan:5000', 'quay.io']);
  });
});

describe('the policy harness', () => {
  const base = factory.policies.find((p) => (p.metadata as JsonObject).name === 'edge-pinned-images')!;
  const edit = (f: (p: { metadata: JsonObject; spec: { rules: JsonObject[] } }) => void): JsonObject => {
    const p = clone(base) as unknown as { metadata: JsonObject; spec: { rules: JsonObject[] } };
    f(p);
    return p as unknown as JsonObject;
  };
  const match = (p: { spec: { rules: JsonObject[] } }): JsonObject => p.spec.rules[0].match as JsonObject;
  const firstExpression = (p: { spec: { rules: JsonObject[] } }): JsonObject => ((p.spec.rules[0].validate as JsonObject).cel as { expressions: JsonObject[] }).expressions[0];

  it.each([
    ['an exclude block', edit((p) => (p.spec.rules[0].exclude = { any: [{ resources: { namespaces: ['inference'] } }] })), /"exclude" is not implemented/],
    ['match.all', edit((p) => (match(p).all = [])), /"all" is not implemented/],
    ['a label selector', edit((p) => (((match(p).any as JsonObject[])[0].resources as JsonObject).selector = {})), /"selector" is not implemented/],
    ['a wildcard kind', edit((p) => (((match(p).any as JsonObject[])[0].resources as JsonObject).kinds = ['*'])), /wildcard "\*"/],
    ['an unknown operation', edit((p) => (((match(p).any as JsonObject[])[0].resources as JsonObject).operations = ['EXEC'])), /"EXEC" is not an admission operation/],
    ['a subresource kind', edit((p) => (((match(p).any as JsonObject[])[0].resources as JsonObject).kinds = ['Pod/exec'])), /"Pod\/exec" \(subresources/],
    ['a messageExpression', edit((p) => (firstExpression(p).messageExpression = "'x'")), /"messageExpression" is not implemented/],
    ['preconditions', edit((p) => (p.spec.rules[0].celPreconditions = [])), /"celPreconditions" is not implemented/],
    ['autogen left on', edit((p) => (p.metadata.annotations = {})), /autogen is not implemented/],
    ['a policy-level failure action', edit((p) => delete (p.spec.rules[0].validate as JsonObject).failureAction), /failureAction must be Enforce or Audit/],
    ['a spec field', edit((p) => ((p.spec as JsonObject).validationFailureActionOverrides = [])), /"validationFailureActionOverrides" is not implemented/],
  ])('refuses %s', (_, policy, message) => {
    expect(() => new PolicyHarness([policy])).toThrow(UnsupportedPolicyError);
    expect(() => new PolicyHarness([policy])).toThrow(message);
  });

  it('a Kubernetes CEL library function the engine lacks is an error, and an error denies under Enforce', () => {
    const policy = edit((p) => (firstExpression(p).expression = "quantity('1Gi').isGreaterThan(quantity('1Mi'))"));
    const r = new PolicyHarness([policy]).admit({ object: fixture('host-path.yaml') });
    expect(r.allowed).toBe(false);
    expect(r.denials[0].result).toBe('error');
    expect(r.denials[0].messages[0]).toMatch(/evaluation error: unbound function/);
  });

  it('a syntax error fails when the policy is loaded', () => {
    expect(() => compile('object.spec.(')).toThrow(CelCompileError);
  });

  it('binds integers as CEL ints (runAsUser > 0 compares int with int)', () => {
    const program = compile('object.spec.securityContext.runAsUser > 0 && object.spec.securityContext.runAsUser == 1000');
    const { celValue } = jest.requireActual<typeof import('../../tools/policy/cel')>('../../tools/policy/cel');
    expect(program({ object: celValue({ spec: { securityContext: { runAsUser: 1000 } } }) })).toEqual({ value: true });
  });

  it('DELETE requests are not evaluated: their object is null, so every expression would error', () => {
    const harness = new PolicyHarness(factory.policies);
    const pod = fixture('latest-tag.yaml');
    expect(harness.evaluate({ object: pod, operation: 'DELETE' })).toEqual([]);
    expect(harness.admit({ object: pod, operation: 'UPDATE' }).allowed).toBe(false);
    const allOperations = edit((p) => delete (((match(p).any as JsonObject[])[0].resources as JsonObject).operations));
    const decisions = new PolicyHarness([allOperations]).evaluate({ object: pod, operation: 'DELETE' });
    expect(decisions.map((d) => d.result)).toEqual(['error']);
  });

  it('does not match cluster-scoped objects, other namespaces or other kinds', () => {
    const harness = new PolicyHarness(factory.policies);
    const pod = fixture('latest-tag.yaml');
    expect(harness.evaluate({ object: { ...pod, metadata: { name: 'x', namespace: 'kube-system' } } })).toEqual([]);
    expect(harness.evaluate({ object: { ...pod, metadata: { name: 'x' } } })).toEqual([]);
    expect(harness.evaluate({ object: { ...pod, kind: 'ConfigMap' } })).toEqual([]);
    expect(harness.evaluate({ object: { ...pod, apiVersion: 'example.com/v1' } }).length).toBeGreaterThan(0); // a bare kind matches every group
  });
});
