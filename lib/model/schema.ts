/**
 * The site inventory schema: the single source of truth for site facts.
 *
 * One YAML file per site in `sites/`. Terraform reads the same files with `yamldecode`, so keep the shape
 * plain (no YAML anchors, tags or merge keys). Every object is strict: unknown keys are errors, because a
 * typo such as `replica: 3` silently ignored is a production incident at 3,000 sites.
 *
 * Units are in the field names (`memoryGiB`, `cpuMillicores`), choices are enums, defaults are applied here
 * once so that charts receive fully resolved values.
 */
import { z } from 'zod';
import { RegistryMirrorsSchema } from './fleet';

/** RFC 1123 DNS label: what Kubernetes accepts for namespaces, and what Argo CD accepts for cluster names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** K3s release tags like v1.28.4+k3s2, for the Kubernetes minors the output is validated against (1.28–1.33). */
const K3S_VERSION = /^v1\.(2[89]|3[0-3])\.(\d+)\+k3s(\d+)$/;
/** Top-level output folders that are not sites (fleet-level outputs). */
const RESERVED_SITE_NAMES: readonly string[] = ['hub'];

/** Kubernetes label keys (optional DNS-subdomain prefix + name) and values. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/**
 * A node address must be a LAN unicast address outside the K3s pod/service networks (lib/model/k3s.ts): a node IP
 * inside 10.42.0.0/16 or 10.43.0.0/16 breaks flannel routing and the charts' "outside the cluster" peers.
 */
function usableNodeIp(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  if (a === 0 || a === 127 || a >= 224) return false; // unspecified, loopback, multicast/reserved/broadcast
  if (a === 169 && b === 254) return false; // link-local
  if (a === 10 && (b === 42 || b === 43)) return false; // K3s pod and service networks
  return true;
}

/**
 * The five fields of a standard cron expression as Argo CD parses sync-window schedules (robfig/cron v3 with
 * Minute | Hour | Dom | Month | Dow): bounds, and the names each field accepts. Day of week is 0-6 (Sunday is
 * 0; robfig rejects 7), names are accepted only in their own field, ranges must not run backwards and a step
 * must be a positive number.
 */
const CRON_FIELDS: readonly { readonly name: string; readonly min: number; readonly max: number; readonly names?: readonly string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** What Argo CD's cron parser would reject in `expr`, or undefined when it parses. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return `has ${fields.length} field(s), not 5`;
  for (let i = 0; i < 5; i++) {
    const f = CRON_FIELDS[i];
    const value = (v: string): number | undefined => {
      const named = f.names?.indexOf(v.toLowerCase()) ?? -1;
      if (named >= 0) return named + (f.name === 'month' ? 1 : 0);
      return /^\d{1,4}$/.test(v) ? Number(v) : undefined;
    };
    for (const part of fields[i].split(',')) {
      const where = `${f.name} "${part}"`;
      const [range, step, extra] = part.split('/');
      if (extra !== undefined) return `${where} has more than one "/"`;
      if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `${where} needs a step that is a positive number`;
      if (range === '*' || (range === '?' && i >= 2)) continue;
      const bounds = range.split('-');
      if (bounds.length > 2) return `${where} has more than one "-"`;
      const nums = bounds.map(value);
      if (nums.some((n) => n === undefined)) {
        return `${where} is not a number${f.names ? ` or a ${f.name === 'month' ? 'month' : 'day'} name (${f.names.join(', ')})` : ''}`;
      }
      const [lo, hi = lo] = nums as number[];
      if (lo < f.min || hi > f.max) return `${where} is outside ${f.min}-${f.max}${f.name === 'day-of-week' && hi === 7 ? ' (use 0 for Sunday: Argo CD rejects 7)' : ''}`;
      if (lo > hi) return `${where} runs backwards (${lo} > ${hi})`;
    }
  }
  return undefined;
}

/** A standard 5-field cron expression (numbers, ranges, lists, steps, month/day names) that Argo CD accepts. */
export function validCron(expr: string): boolean {
  return cronProblem(expr) === undefined;
}
/** An Ollama library model pinned to a tag (never untagged, never `latest`). */
const OLLAMA_MODEL_REF = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?:[a-z0-9][a-z0-9._-]*$/;

const dnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(DNS1123_LABEL, 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending alphanumeric');

/** Supported CPU architectures, as Kubernetes' `kubernetes.io/arch` label spells them. */
const ARCHITECTURES = ['amd64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

const NodeRole = z.enum(['server', 'agent']);

const resources = z
  .object({
    // Plausibility bounds: a value outside them is a unit mistake (cores for millicores, GiB for MiB, MB for MiB),
    // not a sizing decision; the capacity check catches what a site's nodes cannot hold.
    cpuMillicores: z
      .number()
      .int()
      .min(50, 'must be at least 50 millicores (1000 = one core): less starves the server so its probes fail')
      .max(32000, 'must be at most 32000 millicores (32 cores): did you write millicores where cores were meant?')
      .describe('CPU request in millicores (1000 = one core).'),
    memoryMiB: z
      .number()
      .int()
      .min(128, 'must be at least 128 MiB: the inference server (Node.js + onnxruntime) is OOM-killed below that; did you mean GiB?')
      .max(65536, 'must be at most 65536 MiB (64 GiB): did you write MB/KiB where MiB was meant?')
      .describe('Memory request in MiB; the limit equals the request.'),
    cpuLimitMillicores: z
      .number()
      .int()
      .min(50, 'must be at least 50 millicores (1000 = one core)')
      .max(64000, 'must be at most 64000 millicores (64 cores)')
      .optional()
      .describe('CPU limit in millicores. @default 2 × cpuMillicores'),
  })
  .strict();
export type ResourceSpec = z.infer<typeof resources>;

const node = z
  .object({
    name: dnsLabel.describe('Node hostname; becomes the Kubernetes node name.'),
    ip: z
      .ipv4({ message: 'must be an IPv4 address such as 192.168.1.10' })
      .refine(usableNodeIp, 'must be a unicast LAN address: not loopback, unspecified, multicast, broadcast, link-local (169.254/16), or inside the K3s pod/service networks 10.42.0.0/16 and 10.43.0.0/16')
      .describe('Node IPv4 address on the site LAN.'),
    arch: z.enum(ARCHITECTURES).describe('CPU architecture: amd64 (Intel NUC) or arm64 (Raspberry Pi 4).'),
    cpuCores: z.number().int().min(1).max(256).describe('Physical CPU cores (Raspberry Pi 4: 4).'),
    memoryGiB: z.number().int().min(1).max(1024).describe('Installed memory in GiB (Raspberry Pi 4: 4 or 8).'),
    role: NodeRole.default('server').describe('K3s role. The first server initialises the cluster. @default server'),
    hardware: z.string().min(1).max(100).optional().describe('Free-text hardware model, e.g. "Intel NUC 12 Pro".'),
  })
  .strict();
export type NodeSpec = z.infer<typeof node>;

const slo = z
  .object({
    availabilityTarget: z
      .number()
      .min(0.9)
      .max(0.9999)
      .default(0.995)
      .describe('Fraction of inference requests that must succeed over 30 days. @default 0.995'),
    latencyP95Seconds: z
      .number()
      .positive()
      .max(10)
      .default(0.05)
      .describe('p95 inference latency objective in seconds. @default 0.05'),
    latencyTarget: z
      .number()
      .min(0.9)
      .max(0.9999)
      .default(0.99)
      .describe('Fraction of requests that must be faster than latencyP95Seconds. @default 0.99'),
  })
  .strict();

/** Who may call a service: pods in a namespace (optionally with labels). Turned into NetworkPolicy peers. */
const client = z
  .object({
    namespace: dnsLabel.describe('Namespace of the calling pods.'),
    podLabels: z
      .record(
        z.string().regex(LABEL_KEY, 'must be a Kubernetes label key such as app.kubernetes.io/name'),
        z.string().regex(LABEL_VALUE, 'must be a Kubernetes label value: up to 63 letters, digits, "-", "_" or "."'),
      )
      .optional()
      .describe('Labels the calling pods carry. @default all pods'),
  })
  .strict();
export type ClientSpec = z.infer<typeof client>;

/** Semantic Versioning 2.0.0, as model.json `version` (packages/inference-contract/src/model-folder.ts). */
const MODEL_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** version → weight in percent; the weights of one model sum to 100 (docs/decisions/0022-model-ab-testing.md). */
const trafficSplit = z
  .record(z.string().regex(MODEL_VERSION, 'must be a model version (semantic version such as 1.1.0, as in models/onnx/<model>/<version>/)'), z.number().int().min(0).max(100))
  .refine((split) => Object.keys(split).length > 0, 'must name at least one version, e.g. { "1.0.0": 90, "1.1.0": 10 }')
  .refine(
    (split) => Object.keys(split).length === 0 || Object.values(split).reduce((a, b) => a + b, 0) === 100,
    'must have weights summing to 100 (percent of the requests each version receives), e.g. { "1.0.0": 90, "1.1.0": 10 }',
  );

const inference = z
  .object({
    enabled: z.boolean().default(true),
    runtime: z
      .enum(['onnx', 'triton'])
      .default('onnx')
      .describe('onnx: the project inference server (amd64 and arm64). triton: NVIDIA Triton (amd64 only).'),
    models: z
      .array(dnsLabel)
      .min(1)
      .default(['bearing-anomaly'])
      .describe('Model names from models/onnx/ to serve. @default [bearing-anomaly]'),
    replicas: z.number().int().min(1).max(20).default(2).describe('Minimum replicas (HPA floor). @default 2'),
    maxReplicas: z.number().int().min(1).max(50).default(4).describe('HPA ceiling. @default 4'),
    targetCpuUtilizationPercent: z.number().int().min(10).max(100).default(70),
    strategy: z.enum(['canary', 'blueGreen']).default('canary').describe('Argo Rollouts strategy. @default canary'),
    canaryWeightPercent: z
      .number()
      .int()
      .min(1)
      .max(99)
      .default(50)
      .describe('canary: share of the pods that run the new version during the analysis (no traffic router: by replica count). @default 50'),
    autoPromote: z
      .boolean()
      .default(true)
      .describe('blueGreen: switch to the new version once the pre-promotion analysis passes; false waits for a manual promote. @default true'),
    resources: resources.default({ cpuMillicores: 250, memoryMiB: 256 }),
    clients: z.array(client).default([]).describe('Pods allowed to call the inference API (besides Prometheus).'),
    slo: slo.default({ availabilityTarget: 0.995, latencyP95Seconds: 0.05, latencyTarget: 0.99 }),
    traffic: z
      .record(dnsLabel, trafficSplit)
      .default({})
      .describe(
        'A/B traffic split per model: version → percentage of the requests to /v2/models/<model>/infer, summing to 100. ' +
          'The server routes exactly (smooth weighted round robin); weight 0 serves the version only to /versions/<v>/ and the x-model-version header. ' +
          '@default {} (each model: its highest version takes all traffic)',
      ),
  })
  .strict();

const ollama = z
  .object({
    enabled: z.boolean().default(true),
    models: z
      .array(z.string().regex(OLLAMA_MODEL_REF, 'must be a pinned Ollama model "name:tag" such as "llama3.2:1b" (never untagged or :latest)'))
      .default([])
      .describe('Library models to pre-pull, pinned by tag. With no models the site runs no Ollama server at all.'),
    customModels: z
      .array(dnsLabel)
      .default([])
      .describe('Custom models built from models/ollama/<name>.Modelfile.'),
    storageGiB: z.number().int().min(1).max(2048).default(20).describe('Model cache PVC size. @default 20'),
    replicas: z
      .number()
      .int()
      .min(1)
      .max(4)
      .default(1)
      .describe('Ollama servers, each with its own model cache, on separate nodes that can hold the models. @default 1'),
    numParallel: z.number().int().min(1).max(16).default(1).describe('OLLAMA_NUM_PARALLEL. @default 1'),
    maxLoadedModels: z.number().int().min(1).max(8).default(1).describe('OLLAMA_MAX_LOADED_MODELS. @default 1'),
    keepAlive: z
      .string()
      .regex(/^(-1|0|\d+(ms|s|m|h))$/, 'must be a Go duration such as "5m", "1h", "0" or "-1"')
      .default('30m')
      .describe('OLLAMA_KEEP_ALIVE. @default 30m'),
    contextLength: z.number().int().min(512).max(131072).default(4096).describe('OLLAMA_CONTEXT_LENGTH. @default 4096'),
    cpuMillicores: z
      .number()
      .int()
      .min(250, 'must be at least 250 millicores (1000 = one core): Ollama cannot generate tokens in useful time below that')
      .max(64000, 'must be at most 64000 millicores (64 cores): did you write millicores where cores were meant?')
      .default(1000)
      .describe('CPU request. @default 1000'),
    clients: z.array(client).default([]).describe('Pods allowed to call the Ollama API (besides the probes).'),
  })
  .strict();

/**
 * Opt-in Linkerd service mesh (charts/mesh, docs/decisions/0029-linkerd-service-mesh.md): mTLS between the
 * inference and Ollama servers and their meshed clients. Off by default: the control plane and a proxy per pod
 * cost memory a 4 GiB Pi cannot always spare, and the capacity check counts them.
 */
const mesh = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe('Run the Linkerd control plane and inject a proxy into the inference and Ollama pods (mTLS). @default false'),
  })
  .strict();

/** Admission policies (charts/policies, docs/decisions/0027-admission-policies.md). Off unless a site opts in. */
const policies = z
  .object({ enabled: z.boolean().default(false).describe('Run Kyverno (384 MiB requested) with the platform\'s admission policies (docs/decisions/0027-admission-policies.md). @default false') })
  .strict();

const receiver = z
  .object({
    type: z.enum(['none', 'webhook', 'slack', 'pagerduty']).default('none'),
    secretName: dnsLabel
      .optional()
      .describe('Secret in the monitoring namespace holding the receiver URL/key (never inline secrets here).'),
    secretKey: z.string().min(1).default('url').describe('Key in that Secret. @default url'),
  })
  .strict();

const monitoring = z
  .object({
    enabled: z.boolean().default(true),
    retentionDays: z.number().int().min(1).max(90).default(7).describe('Prometheus retention. @default 7'),
    storageGiB: z.number().int().min(1).max(500).default(10).describe('Prometheus PVC size. @default 10'),
    prometheusMemoryMiB: z
      .number()
      .int()
      .min(256, 'must be at least 256 MiB: Prometheus with the site\'s rules is OOM-killed below that')
      .max(16384, 'must be at most 16384 MiB (16 GiB): an edge Prometheus with days of retention needs far less; did you write MB/KiB?')
      .default(768).describe('Prometheus memory request. @default 768'),
    grafana: z.boolean().default(false).describe('Run Grafana at the site (dashboards live at the hub otherwise).'),
    remoteWriteUrl: z.url().optional().describe('Optional central Prometheus remote_write endpoint.'),
    remoteWriteSecretName: dnsLabel.optional().describe('Secret with basic-auth username/password for remote_write.'),
    receiver: receiver.default({ type: 'none', secretKey: 'url' }),
    tracesEndpoint: z
      .string()
      .optional()
      .describe('OTLP endpoint the site collector exports traces to (host:port). @default none (debug exporter)'),
  })
  .strict();

/**
 * An IANA zone name as Go's time.LoadLocation reads it (exact case): Argo CD silently falls back to UTC for a
 * zone it cannot load, which would shift a maintenance window by hours without any error.
 */
export function isIanaTimeZone(tz: string): boolean {
  let known = TIME_ZONES.get(tz);
  if (known === undefined) {
    known = checkTimeZone(tz);
    TIME_ZONES.set(tz, known);
  }
  return known;
}

/** Answers per zone name, once per run (a 3,000-site fleet names a handful of zones thousands of times). */
const TIME_ZONES = new Map<string, boolean>();

function checkTimeZone(tz: string): boolean {
  // Offset zones ("+01:00") are valid for Intl since Node 24 (ECMA-402), but not for Go's time.LoadLocation.
  if (!/^[A-Za-z]/.test(tz)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    return resolved === tz || resolved.toLowerCase() !== tz.toLowerCase();
  } catch {
    return false;
  }
}

const syncWindow = z
  .object({
    kind: z.enum(['allow', 'deny']).default('allow'),
    schedule: z
      .string()
      .superRefine((v, ctx) => {
        const problem = cronProblem(v);
        if (problem) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a 5-field cron expression such as "0 2 * * *" (minute hour day-of-month month day-of-week) that Argo CD's cron parser accepts: ${problem}`,
          });
        }
      })
      .describe('Cron schedule when the window opens.'),
    duration: z.string().regex(/^[1-9]\d*(m|h)$/, 'must be a positive duration such as "2h" or "90m"'),
    timeZone: z
      .string()
      .min(1)
      .refine(isIanaTimeZone, 'must be an IANA time zone name with exact case, such as "Europe/Berlin" or "UTC"')
      .default('UTC')
      .describe('IANA time zone, e.g. Europe/Berlin. @default UTC'),
    manualSync: z.boolean().default(true).describe('Allow manual syncs inside a deny window. @default true'),
  })
  .strict();

const gitops = z
  .object({
    mode: z
      .enum(['hub', 'pull'])
      .default('hub')
      .describe('hub: the central Argo CD pushes to this cluster. pull: the site runs Argo CD core itself.'),
    syncWindows: z.array(syncWindow).default([]).describe('When updates may land at this site (AppProject sync windows).'),
  })
  .strict();

/** Image pulls at the site: the K3s embedded peer-to-peer mirror and overrides of the fleet's mirrors. */
const registries = z
  .object({
    embeddedMirror: z
      .boolean()
      .default(false)
      .describe(
        'K3s embedded registry mirror (Spegel, `embedded-registry: true` on the servers): nodes share pulled images peer to peer, so an image crosses the uplink once per site. Needs K3s v1.28.6+k3s1 / v1.29.1+k3s1 or any 1.30+ release; nodes must reach each other on TCP 5001 and 6443. @default false',
      ),
    mirrors: RegistryMirrorsSchema.optional().describe(
      'Per-site override of fleet.yaml registries.mirrors: each registry host listed here replaces the fleet entry for that host (e.g. a mirror in the plant network). @default the fleet mirrors',
    ),
  })
  .strict();

export const SiteSchema = z
  .object({
    name: dnsLabel
      .refine((n) => !RESERVED_SITE_NAMES.includes(n), 'must not be "hub": dist/hub/ holds the fleet-level output for the central Argo CD')
      .describe('Site name; the file must be sites/<name>.yaml.'),
    location: z.string().min(1).max(200).describe('Human-readable location, e.g. "Stuttgart plant, hall B".'),
    region: dnsLabel.default('default').describe('Region used for sharding and grouping. @default default'),
    ring: z
      .number()
      .int()
      .min(0)
      .max(9)
      .describe('Rollout ring: 0 = canary sites first, then 1, 2, ... (RollingSync steps).'),
    k3sVersion: z
      .string()
      .regex(K3S_VERSION, 'must be a K3s release tag of Kubernetes 1.28 to 1.33 such as v1.28.4+k3s2 (never "latest"; the output is validated against 1.28 and 1.33)')
      .default('v1.28.4+k3s2'),
    nodes: z.array(node).min(1, 'a site needs at least one node'),
    layers: z
      .object({
        inference: inference.default(inference.parse({})),
        ollama: ollama.default(ollama.parse({})),
        monitoring: monitoring.default(monitoring.parse({})),
        falco: z
          .object({ enabled: z.boolean().default(false).describe('Falco runtime security (modern eBPF) on every node, with rules for the inference and Ollama namespaces (docs/decisions/0028). @default false') })
          .strict()
          .optional(),
        mesh: mesh.optional().describe('Linkerd service mesh (opt-in). @default off'),
        policies: policies.default(policies.parse({})),
      })
      .strict()
      .default({ inference: inference.parse({}), ollama: ollama.parse({}), monitoring: monitoring.parse({}), policies: policies.parse({}) }),
    gitops: gitops.default({ mode: 'hub', syncWindows: [] }),
    registries: registries.default({ embeddedMirror: false }),
  })
  .strict();

/** A validated site with every default resolved. */
export type Site = z.infer<typeof SiteSchema>;
export type InferenceSpec = Site['layers']['inference'];
export type OllamaSpec = Site['layers']['ollama'];
export type MonitoringSpec = Site['layers']['monitoring'];
export type MeshSpec = NonNullable<Site['layers']['mesh']>;
export type PoliciesSpec = Site['layers']['policies'];
export type GitopsSpec = Site['gitops'];
export type SiteRegistriesSpec = Site['registries'];
