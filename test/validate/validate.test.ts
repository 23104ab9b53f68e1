/**
 * Proves that the manifest validator is closed-world (unknown fields fail, like an API server with
 * fieldValidation=Strict) and not vacuous (each check can fail), for k8s 1.28, k8s 1.33 and the CRDs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Deployment as Deployment133 } from 'kubernetes-models-1.33/apps/v1';
import { Deployment as Deployment127 } from 'kubernetes-models-1.27/apps/v1';
import {
  crdValidator,
  formatIssue,
  kindSource,
  kubernetesValidator,
  loadYamlDocs,
  validateManifests,
  type SchemaIssue,
} from '../../tools/validate';
import { convertStructural } from '../../tools/validate/crd';
import { ADDED_AFTER_128, modelClass133, REMOVED_AFTER_128 } from '../../tools/validate/k8s133';
import { k8s128 } from '../../tools/validate/k8s128';

type Obj = Record<string, unknown>;

function deployment(container: Obj = {}, spec: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'inference-server', namespace: 'inference', labels: { 'app.kubernetes.io/name': 'inference-server' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'inference' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'inference' }, annotations: { 'prometheus.io/scrape': 'true' } },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'server',
              image: 'registry.example.com/inference:1.2.3',
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '1Gi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
              livenessProbe: { tcpSocket: { port: 8080 } },
              env: [{ name: 'MODEL', value: 'resnet' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
              ...container,
            },
          ],
          volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Gi' } }],
        },
      },
      ...spec,
    },
  };
}

function service(targetPort: string | number): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'inference' },
    spec: { selector: { app: 'inference' }, ports: [{ name: 'http', port: 80, targetPort }] },
  };
}

function applicationSet(source: Obj): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'sites', namespace: 'argocd' },
    spec: {
      goTemplate: true,
      generators: [{ list: { elements: [{ site: 'warehouse' }] } }],
      template: {
        metadata: { name: '{{.site}}-platform' },
        spec: {
          project: 'default',
          source: { repoURL: 'https://git.example.com/platform.git', targetRevision: 'main', path: 'dist/{{.site}}', ...source },
          destination: { server: 'https://kubernetes.default.svc', namespace: 'default' },
        },
      },
    },
  };
}

function serviceMonitor(endpoint: Obj = {}): Obj {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'inference', labels: { release: 'prometheus' } },
    spec: { selector: { matchLabels: { app: 'inference' } }, endpoints: [{ port: 'http', interval: '30s', path: '/metrics', ...endpoint }] },
  };
}

function prometheusRule(rule: Obj): Obj {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'inference' },
    spec: { groups: [{ name: 'inference', rules: [rule] }] },
  };
}

function application(helm: Obj): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'kube-prometheus', namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', targetRevision: '58.0.0', helm },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'monitoring' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
    },
  };
}

const v128 = kubernetesValidator('1.28');
const v133 = kubernetesValidator('1.33');
const crd = crdValidator();
const lines = (issues: SchemaIssue[]): string[] => issues.map(formatIssue);

describe('closed-world core kinds (k8s 1.28 and 1.33)', () => {
  it('accepts a valid Deployment', () => {
    expect(lines(v128.validate(deployment()))).toEqual([]);
    expect(lines(v133.validate(deployment()))).toEqual([]);
    expect(lines(validateManifests([deployment()]))).toEqual([]);
  });

  it('rejects an unknown container field on 1.28 and on 1.33, with a readable message', () => {
    const bad = deployment({ bogusField: true });
    const expected = '/spec/template/spec/containers/0: must NOT have additional property "bogusField"';
    expect(lines(v128.validate(bad, 'dist/warehouse/inference.k8s.yaml'))).toEqual([
      `dist/warehouse/inference.k8s.yaml: Deployment/inference-server: ${expected} [k8s 1.28]`,
    ]);
    expect(lines(v133.validate(bad))).toEqual([`Deployment/inference-server: ${expected} [k8s 1.33]`]);
    // validateManifests checks both versions and merges the identical finding into one line.
    expect(lines(validateManifests([bad], 'dist/warehouse/inference.k8s.yaml'))).toEqual([
      `dist/warehouse/inference.k8s.yaml: Deployment/inference-server: ${expected} [k8s 1.28, k8s 1.33]`,
    ]);
  });

  it('rejects unknown fields at every level: top, metadata, spec, a map value object, an array item', () => {
    const bad = deployment({ ports: [{ containerPort: 80, portName: 'x' }] }, { paused: false, minReadySecondz: 5 });
    (bad as { extra?: number }).extra = 1;
    ((bad.metadata as Obj).annotationz as unknown) = {};
    const issues = validateManifests([bad]).map((i) => `${i.path} ${i.message.replace(/ \[.*\]$/, '')}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        ' must NOT have additional property "extra"',
        '/metadata must NOT have additional property "annotationz"',
        '/spec must NOT have additional property "minReadySecondz"',
        '/spec/template/spec/containers/0/ports/0 must NOT have additional property "portName"',
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('rejects a wrong type (replicas: "two") on both versions', () => {
    const bad = deployment({}, { replicas: 'two' });
    expect(lines(v128.validate(bad))).toEqual(['Deployment/inference-server: /spec/replicas: must be integer (got string "two") [k8s 1.28]']);
    expect(v133.validate(bad).map((i) => i.path)).toEqual(['/spec/replicas']);
  });

  it('enforces required fields, enums and metadata.name', () => {
    const noImage = deployment({ name: undefined });
    delete (((noImage.spec as Obj).template as Obj).spec as { containers: Obj[] }).containers[0].name;
    expect(lines(validateManifests([noImage]))).toEqual([
      'Deployment/inference-server: /spec/template/spec/containers/0: must have required property "name" [k8s 1.28, k8s 1.33]',
    ]);
    const badEnum = deployment({ imagePullPolicy: 'Sometimes' });
    expect(v128.validate(badEnum).map((i) => i.message)).toEqual([
      'must be one of "Always", "IfNotPresent", "Never" (got "Sometimes") [k8s 1.28]',
    ]);
    expect(v133.validate(badEnum)).toHaveLength(1);
    const noName = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'x' }, data: { a: 'b' } };
    expect(lines(validateManifests([noName]))).toEqual([
      'ConfigMap/<unnamed>: /metadata: must have required property "name" [k8s 1.28, k8s 1.33]',
    ]);
  });

  it('accepts both forms of int-or-string fields and rejects other types', () => {
    for (const targetPort of ['http', 8080]) expect(lines(validateManifests([service(targetPort)]))).toEqual([]);
    const bad = service(true as unknown as string);
    expect(v128.validate(bad).map((i) => i.message)).toEqual(['must be integer or string (got boolean) [k8s 1.28]']);
    expect(v133.validate(bad).map((i) => i.path)).toContain('/spec/ports/0/targetPort');
  });

  it('accepts quantities as strings ("100m") and numbers (1), rejects malformed ones', () => {
    expect(lines(validateManifests([deployment({ resources: { requests: { cpu: '100m', memory: 1 }, limits: { cpu: 1, memory: '1.5Gi' } } })]))).toEqual([]);
    const bad = deployment({ resources: { limits: { memory: '1 GB' } } });
    expect(lines(validateManifests([bad]))).toEqual([
      'Deployment/inference-server: /spec/template/spec/containers/0/resources/limits/memory: must be number or string in format "quantity" (got string "1 GB") [k8s 1.28, k8s 1.33]',
    ]);
  });

  it('accepts a Namespace with Pod Security Admission labels', () => {
    const ns = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'inference',
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    };
    expect(lines(validateManifests([ns]))).toEqual([]);
  });

  it('checks apiVersion/kind: removed and unknown kinds are issues, version-specific kinds are reported per version', () => {
    const flow = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kind: 'FlowSchema', metadata: { name: 'f' }, spec: { priorityLevelConfiguration: { name: 'p' } } };
    expect(lines(v128.validate(flow))).toEqual([]);
    expect(lines(v133.validate(flow))).toEqual(['FlowSchema/f: /apiVersion: flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema is not served by Kubernetes 1.33']);
    expect(lines(validateManifests([flow]))).toEqual(['FlowSchema/f: /apiVersion: flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema is not served by Kubernetes 1.33']);
    const vap = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'v' }, spec: { validations: [{ expression: 'true' }] } };
    expect(lines(v133.validate(vap))).toEqual([]);
    expect(lines(validateManifests([vap]))).toEqual(['ValidatingAdmissionPolicy/v: /apiVersion: admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is not served by Kubernetes 1.28']);
    const old = { ...deployment(), apiVersion: 'extensions/v1beta1' };
    expect(validateManifests([old]).map((i) => i.message)).toEqual([expect.stringMatching(/^unknown kind: apiVersion "extensions\/v1beta1", kind "Deployment"/)]);
    const list = { apiVersion: 'v1', kind: 'List', items: [] };
    expect(kindSource(list)).toBe('unknown');
  });

  it('does not rely on kubernetes-models validate(): it is open-world and accepts the bogusField container', () => {
    const bad = deployment({ bogusField: true });
    expect(() => new Deployment133(bad as ConstructorParameters<typeof Deployment133>[0]).validate()).not.toThrow();
    expect(() => new Deployment127(bad as ConstructorParameters<typeof Deployment127>[0]).validate()).not.toThrow();
    // ...while it does catch type errors, which is what the 1.33 check builds on.
    expect(() => new Deployment133(deployment({}, { replicas: 'two' }) as ConstructorParameters<typeof Deployment133>[0]).validate()).toThrow();
  });

  it('is closed-world for every served core kind, at the top level of the object and of metadata', () => {
    const served = new Set([...k8s128().served.keys(), ...ADDED_AFTER_128.map(([k]) => k)]);
    let checked = 0;
    for (const key of served) {
      const [group, version, kind] = key.split('/');
      const obj = { apiVersion: group === '' ? version : `${group}/${version}`, kind, metadata: { name: 'x', bogusMeta: 1 }, bogusTop: 1 };
      const validators = REMOVED_AFTER_128.some(([k]) => k === key) ? [v128] : ADDED_AFTER_128.some(([k]) => k === key) ? [v133] : [v128, v133];
      for (const v of validators) {
        const msgs = v.validate(obj).map((i) => `${i.path} ${i.message.replace(/ \[.*\]$/, '')}`);
        expect({ key, msgs }).toEqual({ key, msgs: expect.arrayContaining([' must NOT have additional property "bogusTop"', '/metadata must NOT have additional property "bogusMeta"']) });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

/** JSON pointers of every object node in `value` (the places where an unknown field can be injected). */
function objectPaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => objectPaths(v, `${path}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return [path, ...Object.entries(value).flatMap(([k, v]) => objectPaths(v, `${path}/${k}`))];
}

function inject(obj: Obj, path: string, key: string): Obj {
  const copy = JSON.parse(JSON.stringify(obj)) as Obj;
  let node: unknown = copy;
  for (const part of path.split('/').slice(1)) node = (node as Record<string, unknown>)[part];
  (node as Record<string, unknown>)[key] = '1'; // also a valid label value and quantity, so maps accept it
  return copy;
}

/** Maps (free-form keys by schema) and preserve-unknown-fields objects: an extra key there is legitimate. */
const MAP_PATHS = /\/(labels|annotations|matchLabels|requests|limits|data)$|\/valuesObject(\/|$)/;

describe('unknown-field detection at every depth (differential: k8s 1.28 vs the 1.33 read-tracking check)', () => {
  it.each([
    ['Deployment', deployment()],
    ['Deployment with lifecycle', deployment({ lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } } }, { revisionHistoryLimit: 3 })],
    ['Service', service('http')],
  ])('%s: both versions flag an injected field exactly where a schema object is', (kind, fixture) => {
    let flagged = 0;
    for (const path of objectPaths(fixture)) {
      const bad = inject(fixture, path, 'zzUnknown');
      const strip = (issues: SchemaIssue[]): string[] => issues.map((i) => `${i.path} ${i.message.replace(/ \[.*\]$/, '')}`);
      const a = strip(v128.validate(bad));
      const b = strip(v133.validate(bad));
      expect({ path, v133: b }).toEqual({ path, v133: a });
      const isMap = MAP_PATHS.test(path) || (kind === 'Service' && path === '/spec/selector'); // Service selector is a plain map
      if (isMap) expect({ path, a }).toEqual({ path, a: [] });
      else {
        expect({ path, a }).toEqual({ path, a: [`${path} must NOT have additional property "zzUnknown"`] });
        flagged += 1;
      }
    }
    expect(flagged).toBeGreaterThanOrEqual(4);
  });

  it.each([
    ['ServiceMonitor', serviceMonitor({ relabelings: [{ sourceLabels: ['__meta_x'], targetLabel: 'y', action: 'replace' }] })],
    ['ApplicationSet', applicationSet({ helm: { parameters: [{ name: 'a', value: 'b' }] } })],
    ['Application', application({ valuesObject: { a: { b: 1 } } })],
    ['PrometheusRule', prometheusRule({ alert: 'A', expr: 'up == 0', labels: { severity: 'page' }, annotations: { summary: 's' } })],
  ])('%s: every schema object rejects an injected field', (_kind, fixture) => {
    for (const path of objectPaths(fixture)) {
      const issues = crd.validate(inject(fixture, path, 'zzUnknown')).map((i) => `${i.path} ${i.message.replace(/ \[.*\]$/, '')}`);
      const isMap = MAP_PATHS.test(path) || /\/elements\/0$/.test(path); // list-generator elements are preserve-unknown-fields
      expect({ path, issues }).toEqual({ path, issues: isMap ? [] : [`${path} must NOT have additional property "zzUnknown"`] });
    }
  });
});

describe('the 1.33 served set matches kubernetes-models-1.33', () => {
  const root = dirname(require.resolve('kubernetes-models-1.33/package.json'));
  const root127 = dirname(require.resolve('kubernetes-models-1.27/package.json'));
  /** GVKs of all model classes in a kubernetes-models package (read from the generated files). */
  function kinds(dir: string): Set<string> {
    const out = new Set<string>();
    for (const f of readdirSync(dir, { recursive: true }) as string[]) {
      if (!f.endsWith('.js') || f.startsWith('_') || f.startsWith('node_modules') || f.endsWith('index.js')) continue;
      const m = /\.apiVersion="([^"]+)",\w+\.kind="([^"]+)"/.exec(readFileSync(join(dir, f), 'utf8'));
      if (m) out.add(`${m[1].includes('/') ? m[1] : `/${m[1]}`}/${m[2]}`);
    }
    return out;
  }

  it('has a model for every served 1.33 kind', () => {
    const served = [...k8s128().served.keys()].filter((k) => !REMOVED_AFTER_128.some(([r]) => r === k)).concat(ADDED_AFTER_128.map(([k]) => k));
    const missing = served.filter((k) => {
      const [g, v, kind] = k.split('/');
      return modelClass133(g, v, kind) === undefined;
    });
    expect(missing).toEqual([]);
  });

  it('lists every kind that kubernetes-models added after its 1.27 release as served (or a List)', () => {
    const k133 = kinds(root);
    const k127 = kinds(root127);
    expect(statSync(root).isDirectory()).toBe(true);
    const added = [...k133].filter((k) => !k127.has(k) && !k.endsWith('List'));
    const served = new Set([...k8s128().served.keys(), ...ADDED_AFTER_128.map(([k]) => k)]);
    expect(added.filter((k) => !served.has(k))).toEqual([]);
    expect(added.length).toBeGreaterThan(0);
  });
});

describe('closed-world custom resources (vendored CRDs)', () => {
  it('accepts a valid ApplicationSet and rejects a misspelt source field', () => {
    expect(lines(validateManifests([applicationSet({})]))).toEqual([]);
    expect(lines(validateManifests([applicationSet({ targetRevisionn: 'main' })], 'dist/hub/argocd.k8s.yaml'))).toEqual([
      'dist/hub/argocd.k8s.yaml: ApplicationSet/sites: /spec/template/spec/source: must NOT have additional property "targetRevisionn" [CRD applicationsets.argoproj.io/v1alpha1]',
    ]);
  });

  it('accepts a valid ServiceMonitor and rejects an unknown endpoint field', () => {
    expect(lines(validateManifests([serviceMonitor()]))).toEqual([]);
    expect(lines(crd.validate(serviceMonitor({ scrapeIntervall: '30s' })))).toEqual([
      'ServiceMonitor/inference: /spec/endpoints/0: must NOT have additional property "scrapeIntervall" [CRD servicemonitors.monitoring.coreos.com/v1]',
    ]);
  });

  it('accepts int-or-string CRD fields in both forms', () => {
    for (const targetPort of [8080, 'http']) expect(lines(validateManifests([serviceMonitor({ port: undefined, targetPort })]))).toEqual([]);
    expect(validateManifests([serviceMonitor({ targetPort: 1.5 })]).map((i) => i.path)).toEqual(['/spec/endpoints/0/targetPort']);
  });

  it('requires expr in a PrometheusRule rule, and evaluates Go RE2 patterns', () => {
    expect(lines(validateManifests([prometheusRule({ alert: 'InferenceDown', expr: 'up == 0', for: '5m', labels: { severity: 'page' } })]))).toEqual([]);
    expect(lines(validateManifests([prometheusRule({ alert: 'InferenceDown', for: '5m' })]))).toEqual([
      'PrometheusRule/inference: /spec/groups/0/rules/0: must have required property "expr" [CRD prometheusrules.monitoring.coreos.com/v1]',
    ]);
    // partial_response_strategy has the Go-only pattern ^(?i)(abort|warn)?$
    const withStrategy = (s: string): Obj => ({ ...prometheusRule({ record: 'x', expr: '1' }), spec: { groups: [{ name: 'g', partial_response_strategy: s, rules: [{ record: 'x', expr: '1' }] }] } });
    expect(validateManifests([withStrategy('ABORT')])).toEqual([]);
    expect(validateManifests([withStrategy('sometimes')]).map((i) => i.path)).toEqual(['/spec/groups/0/partial_response_strategy']);
  });

  it('accepts Helm valuesObject (x-kubernetes-preserve-unknown-fields) but stays closed next to it', () => {
    const values = { grafana: { enabled: false }, prometheus: { prometheusSpec: { retention: '7d', anything: [1, { deep: true }] } } };
    expect(lines(validateManifests([application({ releaseName: 'kps', valuesObject: values })]))).toEqual([]);
    expect(validateManifests([application({ valuesObject: values, valuesObjekt: {} })]).map((i) => `${i.path} ${i.message}`)).toEqual([
      '/spec/source/helm must NOT have additional property "valuesObjekt" [CRD applications.argoproj.io/v1alpha1]',
    ]);
  });

  it('validates custom-resource metadata as ObjectMeta and requires its name', () => {
    const bad = serviceMonitor();
    bad.metadata = { labelz: {} };
    expect(lines(validateManifests([bad]))).toEqual([
      'ServiceMonitor/<unnamed>: /metadata: must NOT have additional property "labelz" [CRD servicemonitors.monitoring.coreos.com/v1]',
      'ServiceMonitor/<unnamed>: /metadata: must have required property "name" [CRD servicemonitors.monitoring.coreos.com/v1]',
    ]);
  });

  it('reports a version the CRD does not serve, and leaves core kinds to the core validators', () => {
    const wrong = { ...serviceMonitor(), apiVersion: 'monitoring.coreos.com/v1beta1' };
    expect(lines(validateManifests([wrong]))).toEqual([
      'ServiceMonitor/inference: /apiVersion: monitoring.coreos.com/v1beta1 is not served by the ServiceMonitor CRD (served: monitoring.coreos.com/v1) [CRD monitoring.coreos.com]',
    ]);
    expect(crd.validate(deployment())).toEqual([]);
    expect(v128.validate(serviceMonitor({ bogus: 1 }))).toEqual([]);
    const otel = { apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'otel' }, spec: { config: { receivers: { otlp: {} } } } };
    expect(kindSource(otel)).toBe('crd');
  });

  it('converts structural-schema extensions: nullable, embedded resources, bare objects, junctors', () => {
    const schema = convertStructural({
      type: 'object',
      properties: {
        n: { type: 'string', nullable: true },
        e: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
        bare: { type: 'object' },
        ios: { 'x-kubernetes-int-or-string': true },
        j: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { properties: { b: { minLength: 1 } } }] },
        min: { type: 'integer', minimum: 0, exclusiveMinimum: true },
      },
    });
    expect(schema).toMatchObject({
      additionalProperties: false,
      properties: {
        n: { type: 'string', nullable: true },
        e: { required: ['apiVersion', 'kind'], additionalProperties: false, properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, spec: { type: 'object' } } },
        bare: { type: 'object', additionalProperties: false },
        ios: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
        min: { type: 'integer', exclusiveMinimum: 0 },
      },
    });
    const props = schema.properties as Record<string, Obj>;
    expect(props.e.properties).toHaveProperty('metadata');
    expect((props.e.properties as Record<string, Obj>).spec.additionalProperties).toBeUndefined();
    expect((props.j.oneOf as Obj[])[1].additionalProperties).toBeUndefined(); // junctor branches stay open
  });
});

describe('routing, files and speed', () => {
  it('reports unknown kinds and non-objects instead of skipping them', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    for (const issues of [validateManifests([widget]), v128.validate(widget), v133.validate(widget), crd.validate(widget)]) {
      expect(lines(issues)).toEqual([
        'Widget/w: /: unknown kind: apiVersion "example.com/v1", kind "Widget" is neither served by Kubernetes 1.28/1.33 nor defined by a vendored CRD (schemas/crds/), so it cannot be validated',
      ]);
    }
    expect(validateManifests(['just a string', null]).map((i) => i.message)).toEqual([
      'a manifest document must be an object (got string)',
      'a manifest document must be an object (got null)',
    ]);
    expect(validateManifests([{ metadata: { name: 'x' } }]).map((i) => i.message)).toEqual([expect.stringContaining('an object without apiVersion and kind')]);
  });

  it('loads multi-document YAML, skipping empty documents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    try {
      const file = join(dir, 'x.k8s.yaml');
      writeFileSync(file, '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  on: "yes"\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n');
      const docs = loadYamlDocs(file);
      expect(docs).toHaveLength(2);
      expect(validateManifests(docs, file)).toEqual([]);
      // Read as kubectl/Argo CD read it (YAML 1.1): an unquoted `yes` is a boolean, not a string.
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  enabled: yes\n');
      expect(lines(validateManifests(loadYamlDocs(file), 'flags.k8s.yaml'))).toEqual([
        'flags.k8s.yaml: ConfigMap/flags: /data/enabled: must be string (got boolean) [k8s 1.28, k8s 1.33]',
      ]);
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n');
      expect(() => loadYamlDocs(file)).toThrow(/duplicated mapping key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Speed is not asserted here (a timed assertion flakes with the machine's load; see docs/benchmarks.md): this
  // checks that a mixed batch of every kind the routing knows validates clean in one call.
  it('validates a mixed batch of core and CRD kinds in one call', () => {
    const objs: Obj[] = [];
    for (let i = 0; i < 80; i++) {
      const pick = i % 8;
      const o =
        pick === 0 ? deployment() : pick === 1 ? service(8080) : pick === 2 ? serviceMonitor() : pick === 3 ? prometheusRule({ alert: 'A', expr: 'up == 0' })
          : pick === 4 ? application({ valuesObject: { a: 1 } }) : pick === 5 ? applicationSet({})
            : pick === 6 ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { k: 'v' } }
              : { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `n${i}` }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
      objs.push(o);
    }
    expect(lines(validateManifests(objs))).toEqual([]);
    const broken = [...objs.slice(0, 7), { ...deployment(), bogusField: true }];
    expect(lines(validateManifests(broken))).toHaveLength(1);
  });
});
