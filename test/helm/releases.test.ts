/**
 * Real Helm at the pinned versions: every Helm release of every sample site is rendered by `helm template`
 * from the vendored package with exactly the values its Argo CD Application carries (`--kube-version` = the
 * site's K3s, `--api-versions` = the core APIs and the CRDs installed at the site), then validated
 * closed-world together with the site's own objects, and checked against the Pod Security level its target
 * namespace enforces. A pin without a vendored package fails here.
 *
 * Also the hub's telemetry releases (kube-prometheus-stack, Loki, Tempo, the OTLP gateway of dist/hub/telemetry.k8s.yaml),
 * the hub's Argo CD as Terraform installs it (terraform/modules/argocd-bootstrap: the pinned argo-cd chart
 * with HUB_ARGOCD_HELM_VALUES), and every Argo CD object the hub serves (dist/hub, each hub-mode site's
 * Applications) against the CRDs that chart really installs, not only the newer ones in schemas/crds (ADR 0017).
 * One file, so that the CRDs parsed and compiled for the sites are reused for the hub.
 */
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { createHash } from 'node:crypto';
import { HELM_CHARTS } from '../../lib/model/versions';
import { chartPackageInfo, missingPackages, packageFileName, packagePath, vendoredChart, VENDOR_DIR } from '../../tools/helm/charts';
import { helmApplications, installedCrds, parseManifests, renderSiteReleases, RenderedRelease } from '../../tools/helm/releases';
import { formatIssue, kubernetesValidator, validateManifests } from '../../tools/validate';
import { renderIssue, type JsonObject } from '../../tools/validate/common';
import { enforceLevels, formatViolation, podSecurityViolations, podTemplateSpec } from '../../tools/validate/pod-security';
import { resolveSite } from '../../lib/synth/render';
import { buildSite, K8sObject, repoCatalog, sampleSite } from '../helpers';
import { renderSampleSite, RenderedSiteReleases, SAMPLE_SITES } from './support';
import { ARGOCD_NAMESPACE, HUB_ARGOCD_HELM_VALUES } from '../../charts/gitops/contract';
import { renderHubFor } from '../gitops/support';
import { describeFalcoRelease } from '../falco/release-checks';
import { FALCO_RELEASE } from '../../charts/falco/names';
import { PROMETHEUS_SELECTOR_LABELS } from '../../lib/constructs/telemetry';
import { GENERATED_AT_RENDER } from '../../charts/mesh/releases';
import { IDENTITY_OBJECTS, LINKERD_CNI_NAMESPACE, LINKERD_NAMESPACE, LINKERD_SMI_NAMESPACE, PORTS, RELEASES } from '../../charts/mesh/names';
import { CONTROL_PLANE_SIZES } from '../../charts/mesh/props';
import { containerResources } from '../../lib/constructs/sizing';
import { argoTrafficSplit } from '../mesh/support';
import { PolicyHarness } from '../../tools/policy/kyverno';
import { describeDecision, SiteAdmission } from '../policies/support';
import { POLICIES_NAMESPACE } from '../../charts/policies/names';
import { HELM_CHART_IMAGE_REGISTRIES, imageRegistry } from '../../lib/model/versions';

/**
 * Audit findings of the sites' admission policies on the Helm releases (reported in PolicyReports, never
 * blocking: their pods get the namespace's LimitRange defaults and are admitted). A new finding fails the test.
 */
const KNOWN_AUDIT_FINDINGS: Readonly<Record<string, readonly string[]>> = {
  // linkerd-smi's post-install hook (namespace-metadata, a short Job): the chart has no value for its resources.
  'factory-floor': [
    'Job linkerd-smi/namespace-metadata: edge-resources/pod-controllers fail (Audit): every container must set resources.requests and resources.limits for cpu and memory',
  ],
  warehouse: [
    'Deployment argocd/argocd-applicationset-controller: edge-resources/pod-controllers fail (Audit): every container must set resources.requests and resources.limits for cpu and memory',
    'Deployment argocd/argocd-server: edge-resources/pod-controllers fail (Audit): every container must set resources.requests and resources.limits for cpu and memory',
  ],
};

const CLUSTER_SCOPED = new Set([
  'Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
  'PriorityClass', 'StorageClass', 'APIService', 'IngressClass',
]);
const refKey = (o: JsonObject, ns: string | undefined): string => {
  const m = (o.metadata ?? {}) as { name?: string; namespace?: string };
  return `${String(o.kind)} ${m.namespace ?? ns ?? ''}/${m.name ?? ''}`;
};

/**
 * CustomResourceDefinitions against Kubernetes 1.28 only: the 1.33 check of tools/validate (kubernetes-models)
 * does not model JSONSchemaProps and CustomResourceColumnDefinition closed-world (it rejects their
 * `description` and every `x-kubernetes-*` extension, which the API server accepts).
 */
const crdValidator = kubernetesValidator('1.28');

describe('vendored chart packages', () => {
  it('exist for every pin in lib/model/versions.ts (HELM_CHARTS)', () => {
    expect(missingPackages()).toEqual([]);
  });

  it('fail a pin that has no package, e.g. the never-released opentelemetry-collector 0.158.3', () => {
    const pins = { otelCollector: { ...HELM_CHARTS.otelCollector, version: '0.158.3' } };
    expect(missingPackages(process.cwd(), pins)).toEqual([`HELM_CHARTS.otelCollector: opentelemetry-collector 0.158.3 has no ${VENDOR_DIR}/opentelemetry-collector-0.158.3.tgz`]);
    expect(() => vendoredChart(pins.otelCollector)).toThrow(/is pinned but vendor\/helm-charts\/opentelemetry-collector-0\.158\.3\.tgz does not exist: vendor the package .* or pin a version that is vendored/);
  });

  it('are the charts and versions their file names say (their Chart.yaml)', () => {
    for (const ref of Object.values(HELM_CHARTS)) {
      const info = chartPackageInfo(vendoredChart(ref));
      expect({ file: packageFileName(ref), name: info.name, version: info.version }).toEqual({ file: packageFileName(ref), name: ref.chart, version: ref.version });
    }
  });

  it('match the sha256 recorded with their provenance, and nothing unpinned is vendored', () => {
    const readme = readFileSync(`${VENDOR_DIR}/README.md`, 'utf8');
    const recorded = new Map([...readme.matchAll(/^([0-9a-f]{64}) {2}(\S+\.tgz)$/gm)].map((m) => [m[2], m[1]]));
    const pinned = Object.values(HELM_CHARTS).map(packageFileName).sort();
    expect([...recorded.keys()].sort()).toEqual(pinned);
    for (const ref of Object.values(HELM_CHARTS)) {
      expect(createHash('sha256').update(readFileSync(packagePath(ref))).digest('hex')).toBe(recorded.get(packageFileName(ref)));
    }
  });
});

describe.each(SAMPLE_SITES)('%s: Helm releases rendered by helm', (name) => {
  let r: RenderedSiteReleases;
  beforeAll(async () => {
    r = await renderSampleSite(name);
  }, 120000);

  it('renders the releases the layers declare, with the values their Applications carry', () => {
    const declared = resolveSite({ site: r.site, file: `sites/${name}.yaml`, catalog: repoCatalog() }).view.releases.map(({ release }) => ({
      application: `${name}-${release.name}`,
      repoURL: release.chart.repoURL,
      chart: release.chart.chart,
      version: release.chart.version,
      releaseName: release.name,
      namespace: release.namespace,
      values: JSON.parse(JSON.stringify(release.values)) as unknown,
    }));
    expect(r.applications.length).toBeGreaterThan(0);
    expect(r.applications).toEqual(declared.sort((a, b) => a.application.localeCompare(b.application)));
    for (const rel of r.releases) expect({ release: rel.app.application, objects: rel.objects.length > 0 }).toEqual({ release: rel.app.application, objects: true });
  });

  it('renders for the site\'s cluster: its K3s version and the CRDs installed there', () => {
    expect(r.apiVersions).toEqual(expect.arrayContaining(['apps/v1/Deployment', 'monitoring.coreos.com/v1/ServiceMonitor', 'argoproj.io/v1alpha1/Rollout']));
    if (r.site.gitops.mode === 'pull') expect(r.apiVersions).toContain('argoproj.io/v1alpha1/Application');
    else expect(r.apiVersions).not.toContain('argoproj.io/v1alpha1/Application');
  });

  it('validates closed-world together with the site\'s own objects (zero schema issues, no object twice)', () => {
    const helmObjects = r.releases.flatMap((rel) => rel.objects.map((o) => ({ rel, o })));
    const issues = [
      ...validateManifests([...r.objects]).map(formatIssue),
      ...helmObjects.flatMap(({ rel, o }) =>
        (o.kind === 'CustomResourceDefinition' ? crdValidator.validate(o, `helm:${rel.app.application}`) : validateManifests([o], `helm:${rel.app.application}`)).map(formatIssue),
      ),
    ];
    expect(issues).toEqual([]);
    const seen = new Map<string, string>();
    for (const o of r.objects) seen.set(refKey(o as JsonObject, undefined), 'the site');
    const twice: string[] = [];
    for (const { rel, o } of helmObjects) {
      const key = refKey(o, CLUSTER_SCOPED.has(String(o.kind)) ? undefined : rel.app.namespace);
      const other = seen.get(key);
      if (other) twice.push(`${key}: ${rel.app.application} and ${other}`);
      seen.set(key, rel.app.application);
    }
    expect(twice).toEqual([]);
  });

  it('validates every custom resource against the CRDs the charts really install at the site', () => {
    const installed = installedCrds(r.releases.flatMap((rel) => rel.objects));
    const custom = [...(r.objects as unknown as JsonObject[]), ...r.releases.flatMap((rel) => rel.objects)].filter((o) => installed.has(o));
    expect(custom.map((o) => o.kind)).toEqual(expect.arrayContaining(['Rollout', 'ServiceMonitor', 'PrometheusRule', 'Prometheus', 'ClusterPolicy']));
    const issues = custom.flatMap((o) => installed.check(o).map((i) => formatIssue(renderIssue(i, 'installed CRDs'))));
    expect(issues).toEqual([]);
  });

  it('passes the site\'s admission policies: every pod of every release is admitted (policies layer, ADR 0027)', () => {
    const harness = new PolicyHarness((r.objects as unknown as JsonObject[]).filter((o) => o.kind === 'ClusterPolicy'));
    expect(harness.policyNames.length).toBeGreaterThan(0);
    const admission = new SiteAdmission(harness, r.objects as unknown as JsonObject[]);
    const denied: string[] = [];
    const audited: string[] = [];
    let pods = 0;
    for (const rel of r.releases) {
      for (const o of rel.objects) {
        if (CLUSTER_SCOPED.has(String(o.kind))) continue;
        // Kyverno leaves its own namespace out of its webhooks; its pods are held to the rules all the same.
        const ns = (o.metadata as { namespace?: string } | undefined)?.namespace ?? rel.app.namespace;
        const asIf = ns === POLICIES_NAMESPACE ? { ...o, metadata: { ...(o.metadata as JsonObject), namespace: 'inference' } } : o;
        const v = admission.verdict(asIf as JsonObject, ns);
        for (const d of v.decisions.filter((x) => x.result !== 'pass')) (d.failureAction === 'Enforce' ? denied : audited).push(describeDecision(v.ref, d));
        if (v.pod) {
          pods++;
          denied.push(...v.pod.denials.map((d) => describeDecision(`Pod of ${v.ref}`, d)));
        }
      }
    }
    expect(denied).toEqual([]);
    expect(audited.sort()).toEqual(KNOWN_AUDIT_FINDINGS[name] ?? []);
    expect(pods).toBeGreaterThan(0);
  });

  it('pulls images only from the registries lib/model/versions.ts declares for each chart', () => {
    const keyOf = new Map<string, keyof typeof HELM_CHARTS>(Object.entries(HELM_CHARTS).map(([k, ref]) => [ref.chart, k as keyof typeof HELM_CHARTS]));
    const undeclared: string[] = [];
    for (const rel of r.releases) {
      const declared = HELM_CHART_IMAGE_REGISTRIES[keyOf.get(rel.app.chart)!];
      for (const m of JSON.stringify(rel.objects).matchAll(/"image":"([^"]+)"/g)) {
        if (!declared.includes(imageRegistry(m[1]))) undeclared.push(`${rel.app.application}: ${m[1]}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  // The optional Falco release (charts/falco): its own checks where the site enables it, nothing elsewhere.
  if (sampleSite(name).layers.falco?.enabled) {
    const falco = (): RenderedRelease => {
      const rel = r.releases.find((x) => x.app.releaseName === FALCO_RELEASE);
      if (!rel) throw new Error(`${name} enables Falco but renders no Falco release`);
      return rel;
    };
    describe('Falco', () => describeFalcoRelease(falco));
  } else {
    it('renders no Falco release', () => expect(r.releases.filter((rel) => rel.app.chart === 'falco').map((rel) => rel.app.application)).toEqual([]));
  }

  it('runs only pods the Pod Security level of their namespace admits', () => {
    const levels = enforceLevels(r.objects);
    const violations: string[] = [];
    const checked = new Map<string, number>();
    for (const rel of r.releases) {
      for (const o of rel.objects) {
        if (CLUSTER_SCOPED.has(String(o.kind))) continue;
        const ns = (o.metadata as { namespace?: string } | undefined)?.namespace ?? rel.app.namespace;
        const level = levels.get(ns);
        if (level === undefined) {
          violations.push(`${rel.app.application}: ${String(o.kind)} in namespace "${ns}", which the site does not declare (Argo CD never creates namespaces)`);
          continue;
        }
        if (podTemplateSpec(o)) checked.set(level, (checked.get(level) ?? 0) + 1);
        violations.push(...podSecurityViolations(o, level, ns).map(formatViolation));
      }
    }
    expect(violations).toEqual([]);
    // The check has something to bite on: Argo Rollouts' controller runs in a `restricted` namespace.
    expect(checked.get('restricted')).toBeGreaterThan(0);
  });
});

describe('factory-floor: the Linkerd releases of the mesh layer (ADR 0029)', () => {
  let releases: readonly RenderedRelease[];
  const kindName = (o: JsonObject) => `${String(o.kind)}/${String((o.metadata as { name?: string } | undefined)?.name)}`;
  const objectsOf = (release: string) => releases.find((r) => r.app.releaseName === release)?.objects ?? [];
  const container = (deployment: string, name: string) => {
    const d = objectsOf(RELEASES.controlPlane).find((o) => kindName(o) === `Deployment/${deployment}`) as unknown as K8sObject;
    return (d.spec.template.spec.containers as { name: string; ports?: { containerPort: number; name?: string }[]; args?: string[] }[]).find((c) => c.name === name);
  };
  let factoryFloor: RenderedSiteReleases;
  // The same renders as the factory-floor block above (helm output is cached per process).
  beforeAll(async () => {
    factoryFloor = await renderSampleSite('factory-floor');
    ({ releases } = factoryFloor);
  }, 120000);

  it('the chart listens where the NetworkPolicies and the PodMonitor expect', () => {
    const portsOf = (deployment: string, name: string) => (container(deployment, name)?.ports ?? []).map((p) => p.containerPort).sort((a, b) => a - b);
    expect(portsOf('linkerd-identity', 'identity')).toEqual([PORTS.identity, 9990]);
    expect(portsOf('linkerd-destination', 'destination')).toEqual([PORTS.destination, 9996]);
    expect(portsOf('linkerd-destination', 'policy')).toEqual([PORTS.policy, PORTS.policyWebhook, 9990].sort((a, b) => a - b));
    expect(portsOf('linkerd-destination', 'sp-validator')).toEqual([PORTS.webhook, 9997]);
    expect(portsOf('linkerd-proxy-injector', 'proxy-injector')).toEqual([PORTS.webhook, 9995]);
    expect(container('linkerd-identity', 'linkerd-proxy')?.ports).toEqual([
      { containerPort: PORTS.proxyInbound, name: 'linkerd-proxy' },
      { containerPort: PORTS.proxyAdmin, name: 'linkerd-admin' },
    ]);
  });

  it('identity: external CA with a kubernetes.io/tls issuer; no certificate, key or trust root from the chart', () => {
    expect(container('linkerd-identity', 'identity')?.args).toContain('-identity-scheme=kubernetes.io/tls');
    const names = objectsOf(RELEASES.controlPlane).map(kindName);
    expect(names).not.toContain(`Secret/${IDENTITY_OBJECTS.issuerSecret}`);
    expect(names).not.toContain(`ConfigMap/${IDENTITY_OBJECTS.trustRootsConfigMap}`);
    expect(JSON.stringify(objectsOf(RELEASES.controlPlane))).not.toContain('BEGIN CERTIFICATE');
    // What ignoreDifferences names exists in the render (a rename upstream would silently re-enable the loop).
    for (const d of GENERATED_AT_RENDER) expect(names).toContain(`${d.kind}/${d.name}`);
  });

  it('every pod of the control plane passes Pod Security restricted (CNI mode: no NET_ADMIN init container), the CNI installer needs privileged', () => {
    const pods = objectsOf(RELEASES.controlPlane).filter((o) => o.kind === 'Deployment');
    expect(pods.map(kindName).sort()).toEqual(['Deployment/linkerd-destination', 'Deployment/linkerd-identity', 'Deployment/linkerd-proxy-injector']);
    expect(pods.flatMap((o) => podSecurityViolations(o, 'restricted', LINKERD_NAMESPACE).map(formatViolation))).toEqual([]);
    const cni = objectsOf(RELEASES.cni).find((o) => o.kind === 'DaemonSet') as JsonObject;
    expect(podSecurityViolations(cni, 'baseline', LINKERD_CNI_NAMESPACE).map((v) => v.message)).toEqual(expect.arrayContaining([expect.stringMatching(/hostPath/)]));
    expect(JSON.stringify(cni)).toContain('/var/lib/rancher/k3s/agent/etc/cni/net.d');
  });

  it('the injected proxies are sized by MESH_PROXY (lib/constructs/mesh.ts) and drop every capability (linkerd-config values)', () => {
    const config = objectsOf(RELEASES.controlPlane).find((o) => kindName(o) === 'ConfigMap/linkerd-config') as { data: { values: string } };
    expect(config.data.values).toMatch(/capabilities:\n\s+drop:\n\s+- ALL/);
    expect(config.data.values).toMatch(/memory:\n\s+limit: 48Mi\n\s+request: 48Mi/);
    expect(config.data.values).toMatch(/cniEnabled: true/);
  });

  it('PodMonitors for the proxies (port linkerd-admin) and the controllers carry the site Prometheus selector', () => {
    const monitors = objectsOf(RELEASES.controlPlane).filter((o) => o.kind === 'PodMonitor') as unknown as K8sObject[];
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(['linkerd-controller', 'linkerd-proxy']);
    for (const m of monitors) expect(m.metadata.labels).toMatchObject(PROMETHEUS_SELECTOR_LABELS);
    const proxy = monitors.find((m) => m.metadata.name === 'linkerd-proxy');
    expect(JSON.stringify(proxy?.spec.podMetricsEndpoints[0].relabelings[0])).toContain('linkerd-proxy;linkerd-admin;linkerd');
  });

  it('linkerd-smi: the adaptor sized by CONTROL_PLANE_SIZES, meshed and restricted; its CRD is schemas/crds\' and accepts the TrafficSplit Argo Rollouts writes', () => {
    const smi = objectsOf(RELEASES.smi);
    const adaptor = smi.find((o) => kindName(o) === 'Deployment/smi-adaptor') as unknown as K8sObject;
    const c = adaptor.spec.template.spec.containers[0];
    expect({ image: c.image, resources: c.resources }).toEqual({ image: 'cr.l5d.io/linkerd/smi-adaptor:v0.2.7', resources: containerResources(CONTROL_PLANE_SIZES.smiAdaptor) });
    expect(adaptor.spec.template.metadata.annotations['linkerd.io/inject']).toBe('enabled');
    expect(podSecurityViolations(adaptor as unknown as JsonObject, 'restricted', LINKERD_SMI_NAMESPACE).map(formatViolation)).toEqual([]);
    const crd = smi.find((o) => kindName(o) === 'CustomResourceDefinition/trafficsplits.split.smi-spec.io') as JsonObject;
    expect(crd.spec).toEqual((yaml.load(readFileSync('schemas/crds/split.smi-spec.io_trafficsplits.yaml', 'utf8')) as JsonObject).spec);
    const rollout = factoryFloor.objects.find((o) => o.kind === 'Rollout') as K8sObject;
    const ts = argoTrafficSplit(rollout, rollout.spec.strategy.canary.steps[0].setWeight) as unknown as JsonObject;
    const installed = installedCrds(smi);
    expect(installed.has(ts)).toBe(true);
    expect(installed.check(ts)).toEqual([]);
  });

  it('argo-rollouts: the controller may write TrafficSplits and keeps its default --traffic-split-api-version (v1alpha1, the version the CRD stores)', () => {
    const ar = releases.find((r) => r.app.releaseName === 'argo-rollouts')?.objects ?? [];
    const role = ar.find((o) => kindName(o) === 'ClusterRole/argo-rollouts') as unknown as K8sObject;
    const rule = (role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).find((r) => r.apiGroups.includes('split.smi-spec.io'));
    expect(rule?.resources).toEqual(['trafficsplits']);
    expect(rule?.verbs).toEqual(expect.arrayContaining(['create', 'get', 'patch', 'watch']));
    const controller = ar.find((o) => kindName(o) === 'Deployment/argo-rollouts') as unknown as K8sObject;
    expect(JSON.stringify(controller.spec.template.spec.containers)).not.toContain('traffic-split-api-version');
  });

  it('linkerd-crds installs the policy and Gateway API CRDs the control plane serves', () => {
    const crds = objectsOf(RELEASES.crds).map((o) => String((o.metadata as { name: string }).name)).sort();
    expect(crds).toEqual(expect.arrayContaining(['httproutes.gateway.networking.k8s.io', 'servers.policy.linkerd.io', 'serviceprofiles.linkerd.io', 'authorizationpolicies.policy.linkerd.io']));
  });
});

describe('the hub Argo CD (argo-cd chart, HUB_ARGOCD_HELM_VALUES)', () => {
  let release: RenderedRelease;
  beforeAll(async () => {
    const { releases } = await renderSiteReleases(
      [{ application: 'hub-argocd (Terraform)', ...HELM_CHARTS.argoCd, releaseName: 'argocd', namespace: ARGOCD_NAMESPACE, values: HUB_ARGOCD_HELM_VALUES as unknown as Record<string, unknown> }],
      { kubeVersion: sampleSite('factory-floor').k3sVersion, extraCrds: [] },
    );
    release = releases[0];
  }, 120000);

  it('renders and validates closed-world (CRDs against Kubernetes 1.28)', () => {
    const v128 = kubernetesValidator('1.28');
    const issues = release.objects.flatMap((o) => (o.kind === 'CustomResourceDefinition' ? v128.validate(o) : validateManifests([o]))).map(formatIssue);
    expect(release.objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'Deployment', 'StatefulSet']));
    expect(issues).toEqual([]);
  });

  it('serves every Application, ApplicationSet and AppProject the project renders for it', () => {
    const installed = installedCrds(release.objects);
    const hubSites = SAMPLE_SITES.map(sampleSite).filter((s) => s.gitops.mode === 'hub');
    const objects = [
      ...(renderHubFor(SAMPLE_SITES.map(sampleSite)).objects as unknown as JsonObject[]),
      ...hubSites.flatMap((s) => buildSite(s).layers.gitops as unknown as JsonObject[]),
    ];
    const argo = objects.filter((o) => installed.has(o));
    expect([...new Set(argo.map((o) => o.kind))].sort()).toEqual(['AppProject', 'Application', 'ApplicationSet']);
    expect(argo.flatMap((o) => installed.check(o).map((i) => formatIssue(renderIssue(i, 'argo-cd chart CRDs'))))).toEqual([]);
  });
});

describe('the hub telemetry releases (dist/hub/telemetry.k8s.yaml: kube-prometheus-stack, Loki, Tempo, OTLP gateway)', () => {
  let releases: RenderedRelease[];
  beforeAll(async () => {
    const hub = renderHubFor(SAMPLE_SITES.map(sampleSite));
    const telemetry = (hub.objects as unknown as JsonObject[]).filter((o) => o.kind === 'Application' && (o.metadata as { name: string }).name.startsWith('hub-'));
    ({ releases } = await renderSiteReleases(helmApplications(telemetry), { kubeVersion: sampleSite('factory-floor').k3sVersion, extraCrds: [] }));
  }, 120000);

  it('render with the values their Applications carry and validate closed-world, custom resources against the CRDs they install', () => {
    expect(releases.map((r) => [r.app.application, r.objects.length > 0])).toEqual([
      ['hub-loki', true],
      ['hub-otel-gateway', true],
      ['hub-prometheus', true],
      ['hub-tempo', true],
    ]);
    const objects = releases.flatMap((rel) => rel.objects.map((o) => ({ rel, o })));
    const issues = objects.flatMap(({ rel, o }) =>
      (o.kind === 'CustomResourceDefinition' ? crdValidator.validate(o, `helm:${rel.app.application}`) : validateManifests([o], `helm:${rel.app.application}`)).map(formatIssue),
    );
    expect(issues).toEqual([]);
    const installed = installedCrds(objects.map(({ o }) => o));
    const custom = objects.map(({ o }) => o).filter((o) => installed.has(o));
    expect(custom.map((o) => o.kind)).toEqual(expect.arrayContaining(['Prometheus', 'Alertmanager']));
    expect(custom.flatMap((o) => installed.check(o).map((i) => formatIssue(renderIssue(i, 'installed CRDs'))))).toEqual([]);
  });

  it('the hub Alertmanager mounts the receiver Secret of fleet.yaml and routes the fleet alerts to it', () => {
    const prom = releases.find((r) => r.app.application === 'hub-prometheus') as RenderedRelease;
    const am = prom.objects.find((o) => o.kind === 'Alertmanager') as { spec: { secrets?: string[] } };
    const receiver = repoCatalog().fleet.alerting.hubReceiver;
    expect(am.spec.secrets).toEqual([receiver?.secretName]);
    const secret = prom.objects.find((o) => o.kind === 'Secret' && String((o.data as Record<string, string> | undefined)?.['alertmanager.yaml'] ?? '').length > 0) as { data: Record<string, string> };
    const config = yaml.load(Buffer.from(secret.data['alertmanager.yaml'], 'base64').toString('utf8')) as { route: { receiver: string }; receivers: { name: string }[] };
    expect(config.route.receiver).toBe('fleet');
    expect(config.receivers.map((r) => r.name)).toEqual(['null', 'fleet']);
  });

  it('pull images only from the registries lib/model/versions.ts declares for each chart', () => {
    const keyOf = new Map<string, keyof typeof HELM_CHARTS>(Object.entries(HELM_CHARTS).map(([k, ref]) => [ref.chart, k as keyof typeof HELM_CHARTS]));
    const undeclared = releases.flatMap((rel) =>
      [...JSON.stringify(rel.objects).matchAll(/"image":"([^"]+)"/g)].map((m) => m[1]).filter((image) => !HELM_CHART_IMAGE_REGISTRIES[keyOf.get(rel.app.chart)!].includes(imageRegistry(image))).map((image) => `${rel.app.application}: ${image}`),
    );
    expect(undeclared).toEqual([]);
  });
});

describe('the Pod Security check', () => {
  const pod = (spec: Record<string, unknown>, container: Record<string, unknown> = {}): JsonObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: {
      template: {
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{ name: 'c', image: 'i:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...container } }],
          ...spec,
        },
      },
    },
  });

  it('accepts a hardened pod at restricted', () => {
    expect(podSecurityViolations(pod({}), 'restricted', 'ns')).toEqual([]);
  });

  it('rejects host namespaces and hostPath at baseline, and admits them at privileged', () => {
    const p = pod({ hostNetwork: true, volumes: [{ name: 'root', hostPath: { path: '/' } }] });
    expect(podSecurityViolations(p, 'baseline', 'ns').map(formatViolation)).toEqual([
      'Deployment ns/x violates PodSecurity "baseline": host namespaces (hostNetwork=true)',
      'Deployment ns/x violates PodSecurity "baseline": hostPath volumes ("root")',
    ]);
    expect(podSecurityViolations(p, 'privileged', 'ns')).toEqual([]);
  });

  it('rejects at restricted what baseline allows: escalation, root, missing seccomp, capabilities kept', () => {
    const p = pod({ securityContext: {} }, { allowPrivilegeEscalation: true, capabilities: { add: ['CHOWN'] } });
    expect(podSecurityViolations(p, 'baseline', 'ns')).toEqual([]);
    expect(podSecurityViolations(p, 'restricted', 'ns').map((v) => v.message.split(' (')[0])).toEqual([
      'allowPrivilegeEscalation != false',
      'runAsNonRoot != true',
      'seccompProfile',
      'unrestricted capabilities',
      'unrestricted capabilities',
    ]);
  });

  it('reads the enforce label of each namespace (unlabelled = privileged)', () => {
    const ns = (name: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    expect([...enforceLevels([ns('a', { 'pod-security.kubernetes.io/enforce': 'restricted' }), ns('b')])]).toEqual([['a', 'restricted'], ['b', 'privileged']]);
  });
});

describe('CRDs of the vendored charts', () => {
  it('are parsed from helm output', () => {
    const docs = parseManifests('---\n# Source: x\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n');
    expect(docs).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }]);
  });
});
