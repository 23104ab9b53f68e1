/**
 * The Ollama layer chart: what it renders for the sample sites and the fixtures of test/fixtures/ollama-sites/,
 * and the synth-time errors (one invalid fixture per rule, each asserting its message).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../lib/model/errors';
import { OLLAMA_SERVER_OVERHEAD_MIB, ollamaMemoryNeedMiB, ollamaModelResidentMiB } from '../../lib/model/ollama-catalog';
import { podMemoryMiB } from '../../charts/ollama/props';
import { loadOllamaModelfiles } from '../../lib/model/modelfiles';
import { Modelfile, parseModelfile } from '../../lib/model/modelfile';
import { Site } from '../../lib/model/schema';
import { Catalog } from '../../lib/model/site';
import { IMAGES } from '../../lib/model/versions';
import { buildSite, findAll, findResource, K8sObject, repoCatalog, sampleSite, siteFromYaml } from '../helpers';

const FIXTURES = join(__dirname, '..', 'fixtures', 'ollama-sites');

function fixture(name: string): Site {
  return siteFromYaml(readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8'));
}

function ollamaOf(site: Site, catalog: Catalog = repoCatalog()): K8sObject[] {
  const objects = buildSite(site, catalog).layers.ollama;
  if (!objects) throw new Error(`site ${site.name} rendered no ollama layer`);
  return objects;
}

function server(objects: K8sObject[]): K8sObject {
  return findResource(objects, 'StatefulSet', 'ollama', 'ollama');
}

function bootstrapJob(objects: K8sObject[]): K8sObject {
  const jobs = findAll(objects, 'Job');
  expect(jobs).toHaveLength(1);
  return jobs[0];
}

function envOf(container: K8sObject['spec']): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));
}

/** Renders a site expecting an InputError; returns its message. */
function synthError(site: Site, catalog: Catalog = repoCatalog()): string {
  let error: unknown;
  try {
    buildSite(site, catalog);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  return (error as Error).message;
}

/** The repository catalogue with the ai-assistant Modelfile replaced. */
function withAssistant(source: string): Catalog {
  const base = repoCatalog();
  return { ...base, modelfiles: { ...base.modelfiles, 'ai-assistant': parseModelfile(source, 'models/ollama/ai-assistant.Modelfile') } };
}

const ASSISTANT_SOURCE = readFileSync(join(__dirname, '..', '..', 'models', 'ollama', 'ai-assistant.Modelfile'), 'utf8');

describe('sample sites', () => {
  it('render the ollama layer where it is enabled and nothing (not even the namespace) where it is not', () => {
    expect(buildSite(sampleSite('factory-floor')).layers.ollama).toBeDefined();
    expect(buildSite(sampleSite('warehouse')).layers.ollama).toBeDefined();
    const office = buildSite(sampleSite('office'));
    expect(office.layers.ollama).toBeUndefined();
    expect(office.all.filter((o) => o.metadata.namespace === 'ollama' || o.metadata.name === 'ollama')).toEqual([]);
  });

  it('a site that enables ollama without listing models renders no ollama layer', () => {
    const site = siteFromYaml(['name: bare', 'location: l', 'ring: 0', 'nodes:', '  - { name: b1, ip: 10.1.1.1, arch: arm64, cpuCores: 4, memoryGiB: 8 }'].join('\n'));
    expect(site.layers.ollama.enabled).toBe(true);
    expect(buildSite(site).layers.ollama).toBeUndefined();
  });
});

describe.each(['factory-floor', 'warehouse'])('%s: Pod Security restricted as uid 1000', (name) => {
  const objects = ollamaOf(sampleSite(name));
  const pods = [server(objects).spec.template.spec, bootstrapJob(objects).spec.template.spec];

  it('runs every pod and container as uid/gid 1000, non-root, read-only, no privilege escalation, no capabilities', () => {
    for (const pod of pods) {
      expect(pod.securityContext).toEqual(
        expect.objectContaining({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } }),
      );
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.hostNetwork ?? false).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 1000,
          allowPrivilegeEscalation: false,
          privileged: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.image).toBe(`ollama/ollama:${IMAGES.ollama.tag}`);
      }
    }
  });

  it('puts HOME and /tmp on emptyDir volumes and OLLAMA_MODELS on the models claim', () => {
    const pod = pods[0];
    const [c] = pod.containers;
    const env = envOf(c);
    const mountOf = (path: string): string | undefined => c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === path)?.name;
    const volume = (vol: string | undefined): K8sObject | undefined => pod.volumes.find((v: { name: string }) => v.name === vol);
    expect(volume(mountOf(env.HOME))?.emptyDir).toBeDefined();
    expect(volume(mountOf('/tmp'))?.emptyDir).toBeDefined();
    expect(mountOf(env.OLLAMA_MODELS)).toBe('models');
    expect(server(objects).spec.volumeClaimTemplates.map((t: K8sObject) => t.metadata.name)).toEqual(['models']);
    // The Job's CLI writes nothing but needs a writable HOME as well.
    const job = pods[1];
    const jobHome = job.containers[0].volumeMounts.find((m: { mountPath: string }) => m.mountPath === envOf(job.containers[0]).HOME);
    expect(job.volumes.find((v: { name: string }) => v.name === jobHome.name).emptyDir).toBeDefined();
  });
});

describe('factory-floor server', () => {
  const site = sampleSite('factory-floor');
  const objects = ollamaOf(site);
  const sts = server(objects);
  const [c] = sts.spec.template.spec.containers;

  it('listens on 11434 named http with startup, readiness and liveness probes on /api/version', () => {
    expect(c.ports).toEqual([{ name: 'http', containerPort: 11434, protocol: 'TCP' }]);
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/api/version', port: 'http' });
    // A first start may take minutes: the startup probe allows 10 of them before liveness applies.
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(600);
    const svc = findResource(objects, 'Service', 'ollama', 'ollama');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 11434, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(sts.spec.selector.matchLabels);
  });

  it('sets the edge defaults from the inventory', () => {
    expect(envOf(c)).toEqual(
      expect.objectContaining({
        OLLAMA_HOST: '0.0.0.0:11434',
        OLLAMA_NUM_PARALLEL: '2',
        OLLAMA_MAX_LOADED_MODELS: '1',
        OLLAMA_KEEP_ALIVE: '30m',
        OLLAMA_CONTEXT_LENGTH: '4096',
      }),
    );
    expect(envOf(server(ollamaOf(sampleSite('warehouse'))).spec.template.spec.containers[0])).toEqual(
      expect.objectContaining({ OLLAMA_KEEP_ALIVE: '10m', OLLAMA_CONTEXT_LENGTH: '2048', OLLAMA_NUM_PARALLEL: '1' }),
    );
  });

  it('sizes memory from the catalogue (+10 % headroom) with limit = request', () => {
    // Only pinned models at the site context (ai-assistant runs on llama3.2:1b at the same num_ctx 4096).
    const need = ollamaMemoryNeedMiB(['llama3.2:3b', 'llama3.2:1b'], { numParallel: 2, maxLoadedModels: 1, contextLength: 4096 });
    expect(c.resources.requests.memory).toBe(`${podMemoryMiB(need)}Mi`);
    expect(c.resources.limits.memory).toBe(c.resources.requests.memory);
    expect(podMemoryMiB(need)).toBeGreaterThanOrEqual(need * 1.1);
  });

  it('requires the image architectures and a node memory label, and prefers the largest nodes', () => {
    const affinity = sts.spec.template.spec.affinity.nodeAffinity;
    expect(affinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] },
          // 3776 MiB pod + 1024 K3s server reserve + 100 eviction + 256 other layers → a node of ≥ 6 GiB.
          { key: 'edge-ai.io/memory-gib', operator: 'Gt', values: ['5'] },
        ],
      },
    ]);
    expect(affinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 100, preference: { matchExpressions: [{ key: 'edge-ai.io/memory-gib', operator: 'Gt', values: ['31'] }] } },
    ]);
  });

  it('keeps the model cache on a local-path claim that no Argo CD prune or StatefulSet deletion removes', () => {
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const [claim] = sts.spec.volumeClaimTemplates;
    expect(claim).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'models', labels: { 'app.kubernetes.io/name': 'ollama' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local-path', volumeMode: 'Filesystem', resources: { requests: { storage: '30Gi' } } },
    });
    // Claims come from the template, so Argo CD never tracks them: no claim object in Git to prune or delete.
    expect(buildSite(site).all.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(JSON.stringify(claim)).not.toMatch(/argocd|app\.kubernetes\.io\/instance/);
  });

  it('has one replica and therefore no PodDisruptionBudget (it could only block node drains)', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(findAll(objects, 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('bootstrap Job', () => {
  const warehouse = sampleSite('warehouse');
  const objects = ollamaOf(warehouse);
  const job = bootstrapJob(objects);
  const [c] = job.spec.template.spec.containers;
  const env = envOf(c);

  it('is named ollama-bootstrap-<10 hex> and runs after the server objects', () => {
    expect(job.metadata.name).toMatch(/^ollama-bootstrap-[0-9a-f]{10}$/);
    expect(job.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('1');
  });

  it('waits (bounded) for the server Service to answer /api/version before using it as OLLAMA_HOST', () => {
    const script: string = c.command[2];
    expect(c.command.slice(0, 2)).toEqual(['/bin/bash', '-c']);
    expect(env.OLLAMA_BOOTSTRAP_TARGETS).toBe('ollama.ollama.svc');
    expect(env.OLLAMA_BOOTSTRAP_PORT).toBe('11434');
    expect(Number(env.OLLAMA_BOOTSTRAP_WAIT_SECONDS)).toBe(1800);
    const waitAt = script.indexOf('until ready');
    expect(script).toContain('GET /api/version');
    expect(waitAt).toBeGreaterThan(0);
    expect(script.indexOf('export OLLAMA_HOST="http://$host:$port"')).toBeGreaterThan(waitAt);
    expect(script.indexOf('ollama pull')).toBeGreaterThan(waitAt);
    // Behaviour of the script itself: test/ollama/bootstrap.test.ts runs it.
  });

  it('pulls only the pinned tags of the inventory and creates the custom models from the ConfigMap', () => {
    const pulls = env.OLLAMA_BOOTSTRAP_PULL.split(' ');
    expect(pulls).toEqual(['llama3.2:1b']);
    for (const m of pulls) expect(m).toMatch(/^[a-z0-9][a-z0-9._/-]*:(?!latest$)[a-z0-9][a-z0-9._-]*$/);
    expect(env.OLLAMA_BOOTSTRAP_CREATE).toBe('ai-assistant');
    const cm = findResource(objects, 'ConfigMap', 'ollama-modelfiles', 'ollama');
    expect(Object.keys(cm.data)).toEqual(['ai-assistant.Modelfile']);
    const mount = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === env.OLLAMA_BOOTSTRAP_MODELFILES);
    const volume = job.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    expect(volume.configMap.name).toBe('ollama-modelfiles');
  });

  it('ships the Modelfile in canonical form that Ollama parses to the same model', () => {
    const cm = findResource(objects, 'ConfigMap', 'ollama-modelfiles', 'ollama');
    const shipped = parseModelfile(cm.data['ai-assistant.Modelfile'], 'configmap');
    const source = repoCatalog().modelfiles['ai-assistant'];
    expect(shipped.from).toBe(source.from);
    expect(shipped.parameters).toEqual(source.parameters);
    expect(shipped.instructions.map((i) => [i.kind, i.name, i.value])).toEqual(source.instructions.map((i) => [i.kind, i.name, i.value]));
    expect(cm.data['ai-assistant.Modelfile']).not.toContain('#');
  });

  it('is retried, bounded by a deadline sized for a slow uplink, never TTL-deleted, and reachable pods only', () => {
    expect(job.spec.backoffLimit).toBe(3);
    // 30 min wait + 1260 MiB at 0.25 MiB/s, rounded up to 5 minutes.
    expect(job.spec.activeDeadlineSeconds).toBe(Math.ceil((1800 + 1260 / 0.25) / 300) * 300);
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  describe('name', () => {
    const nameFor = (site: Site, catalog?: Catalog): string => bootstrapJob(ollamaOf(site, catalog)).metadata.name;
    const edit = (patch: (o: Site['layers']['ollama']) => Partial<Site['layers']['ollama']>): Site => ({
      ...warehouse,
      layers: { ...warehouse.layers, ollama: { ...warehouse.layers.ollama, ...patch(warehouse.layers.ollama) } },
    });
    const base = nameFor(warehouse);

    it('changes when a Modelfile changes', () => {
      expect(nameFor(warehouse, withAssistant(ASSISTANT_SOURCE.replace('PARAMETER temperature 0.3', 'PARAMETER temperature 0.2')))).not.toBe(base);
      expect(nameFor(warehouse, withAssistant(ASSISTANT_SOURCE.replace('Be concise.', 'Be brief.')))).not.toBe(base);
    });

    it('changes when the model list changes', () => {
      expect(nameFor(edit((o) => ({ models: [...o.models, 'qwen2.5:0.5b'] })))).not.toBe(base);
      expect(nameFor(edit(() => ({ customModels: [] })))).not.toBe(base);
    });

    it('does not change for comments in a Modelfile, model order, or server settings the Job does not use', () => {
      expect(nameFor(warehouse, withAssistant(`# reviewed 2026-11\n${ASSISTANT_SOURCE.replace('# Low temperature', '# Lower temperature')}`))).toBe(base);
      expect(nameFor(edit(() => ({ models: ['qwen2.5:0.5b', 'llama3.2:1b'] })))).toBe(nameFor(edit(() => ({ models: ['llama3.2:1b', 'qwen2.5:0.5b'] }))));
      expect(nameFor(edit(() => ({ keepAlive: '-1', numParallel: 2, contextLength: 8192, storageGiB: 40, cpuMillicores: 1500 })))).toBe(base);
      expect(nameFor(edit(() => ({ clients: [{ namespace: 'apps' }] })))).toBe(base);
    });
  });
});

describe('two-pi fixture: replicas, placement, network', () => {
  const site = fixture('two-pi');
  const objects = ollamaOf(site);
  const sts = server(objects);

  it('runs two replicas spread over nodes with a PodDisruptionBudget of one', () => {
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.template.spec.topologySpreadConstraints).toHaveLength(1);
    expect(findResource(objects, 'PodDisruptionBudget', 'ollama', 'ollama').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'ollama' } },
    });
    // Equal nodes: no preference term.
    expect(sts.spec.template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
  });

  it('bootstraps every replica through its own DNS name, since each has its own cache', () => {
    const env = envOf(bootstrapJob(objects).spec.template.spec.containers[0]);
    expect(env.OLLAMA_BOOTSTRAP_TARGETS).toBe('ollama-0.ollama-headless.ollama.svc ollama-1.ollama-headless.ollama.svc');
    expect(findResource(objects, 'Service', 'ollama-headless', 'ollama').spec.clusterIP).toBe('None');
    expect(sts.spec.serviceName).toBe('ollama-headless');
  });

  it('admits on 11434 only the declared clients and the bootstrap Job (no blackbox: monitoring is off here)', () => {
    const policy = findResource(objects, 'NetworkPolicy', 'ollama', 'ollama');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'ollama' } });
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shopfloor-apps' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'maintenance-chat' } },
          },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'inference' } }, podSelector: {} },
          { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ollama-bootstrap' } } },
        ],
        ports: [{ protocol: 'TCP', port: 11434 }],
      },
    ]);
    // Without the monitoring layer there is no Probe CRD and no blackbox exporter: no Probe either.
    expect(objects.filter((o) => o.kind === 'Probe')).toEqual([]);
  });

  it('admits the blackbox exporter where the site runs the monitoring layer', () => {
    const policy = findResource(ollamaOf(sampleSite('warehouse')), 'NetworkPolicy', 'ollama', 'ollama');
    expect(policy.spec.ingress[0].from).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus-blackbox-exporter' } },
    });
  });

  it('lets the server reach HTTPS outside the cluster (model pulls) and the Job reach only the server', () => {
    const server443 = findResource(objects, 'NetworkPolicy', 'ollama', 'ollama').spec.egress;
    expect(server443).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.42.0.0/16', '10.43.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    const job = findResource(objects, 'NetworkPolicy', 'ollama-bootstrap', 'ollama');
    expect(job.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ollama-bootstrap' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ollama' } } }], ports: [{ protocol: 'TCP', port: 11434 }] }],
    });
    // The policies select the pods they are meant for.
    expect(bootstrapJob(objects).spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'ollama-bootstrap' });
  });
});

describe('monitoring without a fake endpoint', () => {
  it('probes /api/version through the blackbox exporter with a Probe the site Prometheus selects', () => {
    const probe = findResource(ollamaOf(sampleSite('warehouse')), 'Probe', 'ollama', 'ollama');
    expect(probe.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(probe.metadata.labels).toEqual(expect.objectContaining({ 'edge-ai.io/prometheus': 'site' }));
    expect(probe.spec).toEqual(
      expect.objectContaining({
        jobName: 'ollama',
        module: 'http_2xx',
        prober: { url: 'prometheus-blackbox-exporter.monitoring.svc:9115', scheme: 'http', path: '/probe' },
        targets: { staticConfig: { static: ['http://ollama.ollama.svc:11434/api/version'] } },
      }),
    );
  });

  it.each(['factory-floor', 'warehouse', 'office'])('%s: nothing rendered refers to an ollama_* metric or a /metrics scrape of Ollama', (name) => {
    const { all } = buildSite(sampleSite(name));
    expect(JSON.stringify(all)).not.toMatch(/ollama_[a-z]/);
    const ollama = all.filter((o) => o.metadata.namespace === 'ollama');
    expect(ollama.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')).toEqual([]);
  });
});

describe('custom models', () => {
  it('creates a custom model after the custom model it is built FROM, and budgets it at its own num_ctx', () => {
    const site = fixture('two-pi');
    const mf = (name: string, from: string, numCtx: number): Modelfile => ({
      file: `models/ollama/${name}.Modelfile`,
      from,
      parameters: { num_ctx: numCtx },
      instructions: [
        { line: 1, kind: 'FROM', value: from },
        { line: 2, kind: 'PARAMETER', name: 'num_ctx', value: String(numCtx) },
      ],
      source: `FROM ${from}\nPARAMETER num_ctx ${numCtx}\n`,
    });
    // The Modelfile parser only accepts tagged FROMs; the resolver also follows the `:latest` form.
    const catalog: Catalog = { ...repoCatalog(), modelfiles: { 'a-line': mf('a-line', 'plant-base:latest', 16384), 'plant-base': mf('plant-base', 'llama3.2:1b', 4096) } };
    const chained: Site = { ...site, layers: { ...site.layers, ollama: { ...site.layers.ollama, replicas: 1, customModels: ['a-line', 'plant-base'] } } };
    const objects = ollamaOf(chained, catalog);
    expect(envOf(bootstrapJob(objects).spec.template.spec.containers[0]).OLLAMA_BOOTSTRAP_CREATE).toBe('plant-base a-line');
    const memory = server(objects).spec.template.spec.containers[0].resources.requests.memory;
    expect(memory).toBe(`${podMemoryMiB(OLLAMA_SERVER_OVERHEAD_MIB + ollamaModelResidentMiB('llama3.2:1b', 16384, 1))}Mi`);
  });

  it('refuses a cycle of custom models', () => {
    const site = fixture('two-pi');
    const mf = (name: string, from: string): Modelfile => ({
      file: `models/ollama/${name}.Modelfile`,
      from,
      parameters: {},
      instructions: [{ line: 3, kind: 'FROM', value: from }],
      source: `FROM ${from}\n`,
    });
    const catalog: Catalog = { ...repoCatalog(), modelfiles: { a: mf('a', 'b:latest'), b: mf('b', 'a:latest') } };
    const cyclic: Site = { ...site, layers: { ...site.layers, ollama: { ...site.layers.ollama, customModels: ['a', 'b'] } } };
    expect(synthError(cyclic, catalog)).toBe(
      'sites/two-pi.yaml: layers.ollama.customModels[1] = "b": is built FROM a → FROM b → FROM a (models/ollama/b.Modelfile line 3): a cycle. ' +
        'Fix: make one of these Modelfiles start FROM a library model the site pulls',
    );
  });
});

describe('synth errors (test/fixtures/ollama-sites/invalid, one per rule)', () => {
  const cases: [string, string][] = [
    [
      'too-large',
      'sites/too-large.yaml: layers.ollama.models[0] = "llama3.1:70b": needs ~46.3 GiB (a node with at least 48 GiB of RAM) but the largest node ' +
        "(tl-rpi-01, 8 GiB) can give 6.7 GiB after the K3s reserve and 256 MiB for other layers' per-node pods. " +
        'Fix: pick a smaller model (docs/ollama-models.md lists what fits a Raspberry Pi), add a node with more memory, or set layers.ollama.enabled: false',
    ],
    [
      'too-many-loaded',
      'sites/too-many-loaded.yaml: layers.ollama = {"maxLoadedModels":2,"numParallel":4,"contextLength":4096}: needs ~15.1 GiB (a node with at least 17 GiB of RAM) ' +
        "but the largest node (tm-rpi-01, 8 GiB) can give 6.7 GiB after the K3s reserve and 256 MiB for other layers' per-node pods. " +
        'Fix: lower maxLoadedModels, numParallel or contextLength (each multiplies the memory), or add a larger node',
    ],
    [
      'from-not-pulled',
      'sites/from-not-pulled.yaml: layers.ollama.customModels[0] = "ai-assistant": is built FROM "llama3.2:1b" (models/ollama/ai-assistant.Modelfile line 8), ' +
        'which this site neither pulls nor builds. Fix: add "llama3.2:1b" to layers.ollama.models, or change the Modelfile\'s FROM to one of: qwen2.5:0.5b',
    ],
    [
      'no-modelfile',
      'sites/no-modelfile.yaml: layers.ollama.customModels[0] = "shift-report": has no Modelfile (models/ollama/shift-report.Modelfile does not exist). ' +
        'Fix: add models/ollama/shift-report.Modelfile, or use one of: ai-assistant',
    ],
    [
      'not-in-catalogue',
      'sites/not-in-catalogue.yaml: layers.ollama.models[0] = "tinyllama:1.1b": is not in the Ollama model catalogue, so its memory need is unknown. ' +
        'Fix: use one of llama3.2:1b, llama3.2:3b,',
    ],
    [
      'latest-tag',
      'sites/latest-tag.yaml: layers.ollama.models[0] = "llama3.2:latest": uses the moving "latest" tag, so sites would run whatever the library published last. ' +
        'Fix: pin an explicit tag such as llama3.2:<size> (see lib/model/ollama-catalog.ts)',
    ],
    ['duplicate-model', 'sites/duplicate-model.yaml: layers.ollama.models[2] = "llama3.2:1b": is already listed as models[0]. Fix: list each model once'],
    [
      'replicas',
      'sites/replicas.yaml: layers.ollama.replicas = 2: exceeds the 1 node(s) that can hold an Ollama server of ~2.1 GiB (rp-rpi-01); each replica needs its own node. ' +
        'Fix: lower replicas to 1, or add nodes with at least 4 GiB of RAM',
    ],
    [
      'storage',
      'sites/storage.yaml: layers.ollama.storageGiB = 2: is smaller than the 3186 MiB (3.1 GiB) the pinned models download (llama3.2:3b, llama3.2:1b). ' +
        'Fix: set storageGiB to at least 4',
    ],
  ];

  it.each(cases)('%s', (name, message) => {
    const text = synthError(siteFromYaml(readFileSync(join(FIXTURES, 'invalid', `${name}.yaml`), 'utf8')));
    expect(text.slice(0, message.length)).toBe(message);
  });

  it('a broken Modelfile fails catalogue loading with its file and line', () => {
    let error: unknown;
    try {
      loadOllamaModelfiles(join(FIXTURES, 'modelfiles-broken'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      /^test\/fixtures\/ollama-sites\/modelfiles-broken\/shift-report\.Modelfile: line 4: unknown PARAMETER "temprature" \(value "0\.2"\)\. Fix: did you mean temperature\? /,
    );
  });
});
