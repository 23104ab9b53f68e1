/**
 * Resolves a site's `layers.ollama` section (plus the catalogues) into the typed, fully-decided props of the
 * Ollama chart, and rejects everything that cannot work at the site with an InputError that names the file, the
 * field, the value and the fix:
 *
 * - pinned models must be in the model catalogue (its memory figures size the pod) and listed once;
 * - every custom model needs `models/ollama/<name>.Modelfile`, and its FROM must be a model the site pulls or
 *   another custom model of the site (no cycles);
 * - the models must fit the largest eligible node, and `replicas` nodes must be able to hold one server each;
 * - the model cache PVC must hold the pinned downloads.
 *
 * Pure: no file system, environment or clock. The Modelfiles arrive parsed in `ctx.catalog.modelfiles`.
 */
import { allocatable, formatMiB, RESERVE } from '../../lib/model/capacity';
import { InputError } from '../../lib/model/errors';
import { Architecture, ClientSpec, NodeSpec } from '../../lib/model/schema';
import { SiteContext, siteArchitectures } from '../../lib/model/site';
import { BLACKBOX_HTTP_MODULE, BLACKBOX_POD_LABELS, BLACKBOX_PROBER_URL, MONITORING_NAMESPACE } from '../../lib/constructs/telemetry';
import { IMAGES, ImageRef } from '../../lib/model/versions';
import { lookupOllamaModel, OLLAMA_MODELS, OLLAMA_SERVER_OVERHEAD_MIB, ollamaModelResidentMiB } from '../../lib/model/ollama-catalog';
import { formatModelfile, Modelfile } from '../../lib/model/modelfile';

/**
 * Node label with the node's installed memory in GiB (the inventory's `nodes[].memoryGiB`, as a string), set by
 * the node provisioning (Terraform) so that workloads can require a minimum with the `Gt` operator, which
 * Kubernetes evaluates on integer label values.
 */
export const NODE_MEMORY_GIB_LABEL = 'edge-ai.io/memory-gib';

/**
 * Memory budgeted on the Ollama node for pods of other layers that run on every node (DaemonSets: the node
 * exporter and the telemetry agent of the monitoring layer), on top of the K3s reserve of lib/model/capacity.ts. A
 * per-node allowance, not a measurement: the global capacity check (lib/synth/render.ts) still sums every
 * rendered request against the site.
 */
const OTHER_LAYERS_PER_NODE_MIB = 256;

/** Added to the catalogue estimate for the pod limit: the catalogue's figures are ±10 % (lib/model/ollama-catalog.ts). */
const MEMORY_HEADROOM_PERCENT = 10;

/** Memory requests are rounded up to this granularity so small catalogue edits do not churn the YAML. */
const MEMORY_STEP_MIB = 64;

/** How long the bootstrap waits for each server to answer /api/version: the first start pulls a multi-GB image. */
export const BOOTSTRAP_WAIT_SECONDS = 30 * 60;

/** Slowest edge uplink the bootstrap deadline is sized for: 2 Mbit/s = 0.25 MiB/s. */
const MIN_UPLINK_MIB_PER_SECOND = 0.25;

export const DEFAULT_NAMESPACE = 'ollama';
export const DEFAULT_STORAGE_CLASS = 'local-path';

/** The blackbox exporter that probes Ollama (installed by the monitoring layer). */
export interface BlackboxExporterRef {
  /** `host:port` of its Service, the Probe's `prober.url`. */
  readonly address: string;
  /** Namespace of its pods (NetworkPolicy peer). */
  readonly namespace: string;
  /** Labels of its pods (NetworkPolicy peer). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Blackbox module that expects a 2xx answer. */
  readonly module: string;
}

/** The site blackbox exporter of the monitoring layer (lib/constructs/telemetry.ts is the one place these are spelled). */
export const BLACKBOX_EXPORTER: BlackboxExporterRef = {
  address: BLACKBOX_PROBER_URL,
  namespace: MONITORING_NAMESPACE,
  podLabels: BLACKBOX_POD_LABELS,
  module: BLACKBOX_HTTP_MODULE,
};

/** Server settings that become OLLAMA_* environment variables. */
export interface OllamaServerSettings {
  /** OLLAMA_NUM_PARALLEL: parallel requests per loaded model (each has its own KV cache). */
  readonly numParallel: number;
  /** OLLAMA_MAX_LOADED_MODELS. */
  readonly maxLoadedModels: number;
  /** OLLAMA_KEEP_ALIVE: Go duration, `0` or `-1`. */
  readonly keepAlive: string;
  /** OLLAMA_CONTEXT_LENGTH: default `num_ctx` for models whose Modelfile does not set one. */
  readonly contextLength: number;
}

/** A custom model as the bootstrap creates it. */
export interface OllamaCustomModel {
  /** Name given to `ollama create` (the Modelfile's file name without `.Modelfile`). */
  readonly name: string;
  /** Canonical Modelfile text (comments and blank lines dropped): what the ConfigMap carries and the hash covers. */
  readonly modelfile: string;
}

export interface OllamaChartProps {
  /** Site name (labels only). */
  readonly site: string;
  /** @default 'ollama' */
  readonly namespace?: string;
  /** @default IMAGES.ollama */
  readonly image?: ImageRef;
  /** Server replicas, each with its own PVC, on distinct nodes. */
  readonly replicas: number;
  /** Architectures the server may run on: the image's that the site has. */
  readonly architectures: readonly Architecture[];
  /** CPU request of the server container, in millicores (limit: 2×). */
  readonly cpuMillicores: number;
  /** Memory request and limit of the server container, in MiB. */
  readonly memoryMiB: number;
  /** The server only schedules on nodes whose {@link NODE_MEMORY_GIB_LABEL} is at least this. */
  readonly minNodeMemoryGiB: number;
  /**
   * Prefer nodes with at least this much memory (the largest eligible nodes), so the model lands on the NUC
   * rather than the Pi when both could hold it.
   * @default no preference
   */
  readonly preferredNodeMemoryGiB?: number;
  /** Model cache PVC size per replica, in GiB. */
  readonly storageGiB: number;
  /** @default 'local-path' (K3s's node-local provisioner) */
  readonly storageClassName?: string;
  readonly server: OllamaServerSettings;
  /** Pods allowed to call the API on 11434 besides the bootstrap Job and the blackbox exporter. */
  readonly clients: readonly ClientSpec[];
  /** Pinned library models, sorted (pull order does not matter; sorting keeps reorders from re-running the Job). */
  readonly pullModels: readonly string[];
  /** Custom models in creation order (a model's FROM is created before it). */
  readonly customModels: readonly OllamaCustomModel[];
  /** `name:tag` → 12-digit manifest ID from the catalogue; the bootstrap warns when the pulled ID differs. */
  readonly expectedModelIds: Readonly<Record<string, string>>;
  /** The bootstrap Job's `activeDeadlineSeconds`: the wait bound plus the downloads over a slow uplink. */
  readonly bootstrapDeadlineSeconds: number;
  /**
   * The site runs the monitoring layer (Prometheus Operator CRDs and the blackbox exporter). Without it there
   * is no Probe CRD to render against and nobody to probe from, so no Probe and no blackbox ingress.
   * @default true
   */
  readonly monitored?: boolean;
  /** @default BLACKBOX_EXPORTER */
  readonly blackbox?: BlackboxExporterRef;
  /** @default 30 */
  readonly probeIntervalSeconds?: number;
  /** The site runs the Linkerd mesh: server pods get a proxy, clients may reach it on 4143 (charts/mesh). @default false */
  readonly mesh?: boolean;
}

/** One way a model can be loaded: a library model, or a custom model resolved to the library model it runs on. */
interface LoadProfile {
  readonly field: string;
  readonly value: string;
  /** Catalogue name of the weights that get loaded. */
  readonly base: string;
  /** num_ctx it is loaded with. */
  readonly contextLength: number;
  readonly residentMiB: number;
}

function normalizeRef(ref: string): string {
  return ref
    .trim()
    .toLowerCase()
    .replace(/^registry\.ollama\.ai\//, '')
    .replace(/^library\//, '');
}

function gib(mib: number): string {
  return (mib / 1024).toFixed(1);
}

function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

/** Memory of the smallest node (counted with the larger, server-role K3s reserve) that can hold `podMiB`. */
function minNodeMemoryGiBFor(podMiB: number): number {
  return Math.ceil((podMiB + RESERVE.server.memoryMiB + RESERVE.evictionMemoryMiB + OTHER_LAYERS_PER_NODE_MIB) / 1024);
}

/** What an Ollama pod can use on a node: allocatable minus the other layers' per-node allowance. */
function ollamaNodeBudgetMiB(node: NodeSpec): number {
  return allocatable(node).memoryMiB - OTHER_LAYERS_PER_NODE_MIB;
}

/** Whether the layer renders anything: enabled and at least one model to serve (the layer's `resolve`). */
export function ollamaActive(ctx: Pick<SiteContext, 'site'>): boolean {
  const spec = ctx.site.layers.ollama;
  return spec.enabled && (spec.models.length > 0 || spec.customModels.length > 0);
}

/** `monitored`: the site runs the monitoring layer (Probe CRD, blackbox exporter). */
export function resolveOllamaProps(ctx: SiteContext, monitored = true, image: ImageRef = IMAGES.ollama): OllamaChartProps {
  const { site, file, catalog } = ctx;
  const spec = site.layers.ollama;

  rejectDuplicates(file, 'models', spec.models.map(normalizeRef));
  rejectDuplicates(file, 'customModels', spec.customModels);

  const pinned = new Map<string, number>();
  spec.models.forEach((m, i) => {
    // The inventory schema requires a tag; `latest` is a tag too, but a moving one.
    if (/:latest$/i.test(m)) {
      throw new InputError(
        file,
        `layers.ollama.models[${i}]`,
        m,
        'uses the moving "latest" tag, so sites would run whatever the library published last',
        `pin an explicit tag such as ${m.replace(/:latest$/i, ':<size>')} (see lib/model/ollama-catalog.ts)`,
      );
    }
    const info = lookupOllamaModel(m);
    if (!info) {
      throw new InputError(
        file,
        `layers.ollama.models[${i}]`,
        m,
        'is not in the Ollama model catalogue, so its memory need is unknown',
        `use one of ${Object.keys(OLLAMA_MODELS).join(', ')}, or add the model with its sources to lib/model/ollama-catalog.ts`,
      );
    }
    pinned.set(info.name, i);
  });

  const custom = resolveCustomModels(ctx, pinned);

  // Memory: a custom model runs on its base's weights at its own num_ctx; one runner per set of weights is
  // resident at a time (Ollama keys runners by model file), so each base counts once, at its largest profile.
  const { numParallel, maxLoadedModels, contextLength } = spec;
  const profiles: LoadProfile[] = [
    ...spec.models.map((m, i) => {
      const base = normalizeRef(m);
      return { field: `layers.ollama.models[${i}]`, value: m, base, contextLength, residentMiB: ollamaModelResidentMiB(base, contextLength, numParallel) };
    }),
    ...custom.map((c) => ({
      field: `layers.ollama.customModels[${c.index}]`,
      value: c.name,
      base: c.base,
      contextLength: c.contextLength,
      residentMiB: ollamaModelResidentMiB(c.base, c.contextLength, numParallel),
    })),
  ];
  const perBase = new Map<string, LoadProfile>();
  for (const p of profiles) {
    const seen = perBase.get(p.base);
    if (!seen || p.residentMiB > seen.residentMiB) perBase.set(p.base, p);
  }
  const largest = [...perBase.values()].sort((a, b) => b.residentMiB - a.residentMiB);
  const needMiB = OLLAMA_SERVER_OVERHEAD_MIB + largest.slice(0, maxLoadedModels).reduce((sum, p) => sum + p.residentMiB, 0);
  const memoryMiB = podMemoryMiB(needMiB);

  // Placement: the image's architectures at this site, and nodes big enough for one server each.
  const architectures = image.architectures.filter((a) => siteArchitectures(site).includes(a));
  const archNodes = site.nodes.filter((n) => architectures.includes(n.arch));
  const minNodeMemoryGiB = minNodeMemoryGiBFor(memoryMiB);
  const eligible = archNodes.filter((n) => n.memoryGiB >= minNodeMemoryGiB);
  if (eligible.length === 0) {
    const biggest = [...archNodes].sort((a, b) => ollamaNodeBudgetMiB(b) - ollamaNodeBudgetMiB(a))[0];
    // Blame the model if it cannot fit even alone with one request slot; otherwise the settings that multiply it.
    const culprit = largest[0];
    const aloneMiB = podMemoryMiB(OLLAMA_SERVER_OVERHEAD_MIB + ollamaModelResidentMiB(culprit.base, culprit.contextLength, 1));
    const aloneFits = minNodeMemoryGiBFor(aloneMiB) <= (biggest?.memoryGiB ?? 0);
    const where = biggest
      ? `the largest node (${biggest.name}, ${biggest.memoryGiB} GiB) can give ${gib(ollamaNodeBudgetMiB(biggest))} GiB ` +
        `after the K3s reserve and ${OTHER_LAYERS_PER_NODE_MIB} MiB for other layers' per-node pods`
      : `the site has no ${image.architectures.join('/')} node`;
    throw new InputError(
      file,
      aloneFits ? 'layers.ollama' : culprit.field,
      aloneFits ? { maxLoadedModels, numParallel, contextLength } : culprit.value,
      `needs ~${gib(memoryMiB)} GiB (a node with at least ${minNodeMemoryGiB} GiB of RAM) but ${where}`,
      aloneFits
        ? 'lower maxLoadedModels, numParallel or contextLength (each multiplies the memory), or add a larger node'
        : 'pick a smaller model (docs/ollama-models.md lists what fits a Raspberry Pi), add a node with more memory, or set layers.ollama.enabled: false',
    );
  }
  if (eligible.length < spec.replicas) {
    throw new InputError(
      file,
      'layers.ollama.replicas',
      spec.replicas,
      `exceeds the ${eligible.length} node(s) that can hold an Ollama server of ~${gib(memoryMiB)} GiB (${eligible.map((n) => n.name).join(', ')}); ` +
        'each replica needs its own node',
      `lower replicas to ${eligible.length}, or add nodes with at least ${minNodeMemoryGiB} GiB of RAM`,
    );
  }
  const sizes = [...new Set(eligible.map((n) => n.memoryGiB))];
  const preferredNodeMemoryGiB = sizes.length > 1 ? Math.max(...sizes) : undefined;

  // Storage: the PVC must hold every pinned download (custom models add only small layers).
  const downloadMiB = spec.models.reduce((sum, m) => sum + (lookupOllamaModel(m)?.downloadSizeMiB ?? 0), 0);
  if (downloadMiB > spec.storageGiB * 1024) {
    throw new InputError(
      file,
      'layers.ollama.storageGiB',
      spec.storageGiB,
      `is smaller than the ${formatMiB(downloadMiB)} the pinned models download (${spec.models.join(', ')})`,
      `set storageGiB to at least ${Math.ceil((downloadMiB * 1.25) / 1024)} (room for one model update, whose new weights land before the old are removed)`,
    );
  }

  const expectedModelIds: Record<string, string> = {};
  for (const m of spec.models) {
    const info = lookupOllamaModel(m);
    if (info?.digest) expectedModelIds[m] = info.digest;
  }

  return {
    site: site.name,
    image,
    replicas: spec.replicas,
    architectures,
    cpuMillicores: spec.cpuMillicores,
    memoryMiB,
    minNodeMemoryGiB,
    preferredNodeMemoryGiB,
    storageGiB: spec.storageGiB,
    server: { numParallel, maxLoadedModels, keepAlive: spec.keepAlive, contextLength },
    clients: spec.clients,
    monitored,
    pullModels: [...spec.models].sort(),
    customModels: custom.map((c) => ({ name: c.name, modelfile: formatModelfile(catalog.modelfiles[c.name]) })),
    expectedModelIds,
    bootstrapDeadlineSeconds: roundUp(BOOTSTRAP_WAIT_SECONDS + downloadMiB / MIN_UPLINK_MIB_PER_SECOND, 300),
  };
}

/** Catalogue need → pod memory: headroom for the estimate's error, rounded to a stable step. */
export function podMemoryMiB(needMiB: number): number {
  return roundUp((needMiB * (100 + MEMORY_HEADROOM_PERCENT)) / 100, MEMORY_STEP_MIB);
}

function rejectDuplicates(file: string, field: 'models' | 'customModels', names: readonly string[]): void {
  const first = new Map<string, number>();
  names.forEach((n, i) => {
    const prev = first.get(n);
    if (prev !== undefined) {
      throw new InputError(file, `layers.ollama.${field}[${i}]`, n, `is already listed as ${field}[${prev}]`, 'list each model once');
    }
    first.set(n, i);
  });
}

interface ResolvedCustom {
  readonly name: string;
  /** Index in `layers.ollama.customModels`. */
  readonly index: number;
  /** Catalogue name of the library model whose weights it runs on. */
  readonly base: string;
  /** Its num_ctx: its own PARAMETER num_ctx, else its custom base's, else the site's contextLength. */
  readonly contextLength: number;
}

/**
 * Checks every custom model of the site (Modelfile present, FROM pulled or built here, no cycle) and returns them
 * in creation order: depth-first from the sorted names, so each model's custom base comes first.
 */
function resolveCustomModels(ctx: SiteContext, pinned: ReadonlyMap<string, number>): ResolvedCustom[] {
  const { site, file, catalog } = ctx;
  const spec = site.layers.ollama;
  const index = new Map(spec.customModels.map((n, i) => [n, i]));
  const available = Object.keys(catalog.modelfiles).sort();
  spec.customModels.forEach((name, i) => {
    if (!Object.prototype.hasOwnProperty.call(catalog.modelfiles, name)) {
      throw new InputError(
        file,
        `layers.ollama.customModels[${i}]`,
        name,
        `has no Modelfile (models/ollama/${name}.Modelfile does not exist)`,
        `add models/ollama/${name}.Modelfile, or use one of: ${available.join(', ') || '(none yet)'}`,
      );
    }
  });

  const resolved = new Map<string, ResolvedCustom>();
  const order: ResolvedCustom[] = [];
  const visit = (name: string, path: readonly string[]): ResolvedCustom => {
    const done = resolved.get(name);
    if (done) return done;
    const i = index.get(name) ?? -1;
    const mf: Modelfile = catalog.modelfiles[name];
    const fromLine = mf.instructions.find((ins) => ins.kind === 'FROM')?.line ?? 1;
    const from = normalizeRef(mf.from);
    const customFrom = from.replace(/:latest$/, '');
    const ownCtx = typeof mf.parameters.num_ctx === 'number' ? mf.parameters.num_ctx : undefined;
    let result: ResolvedCustom;
    if (pinned.has(from)) {
      result = { name, index: i, base: from, contextLength: ownCtx ?? spec.contextLength };
    } else if (index.has(customFrom)) {
      if (path.includes(customFrom)) {
        throw new InputError(
          file,
          `layers.ollama.customModels[${i}]`,
          name,
          `is built FROM ${[...path.slice(path.indexOf(customFrom)), customFrom].join(' → FROM ')} (${mf.file} line ${fromLine}): a cycle`,
          'make one of these Modelfiles start FROM a library model the site pulls',
        );
      }
      const parent = visit(customFrom, [...path, customFrom]);
      result = { name, index: i, base: parent.base, contextLength: ownCtx ?? parent.contextLength };
    } else {
      const choices = [...pinned.keys(), ...spec.customModels.filter((c) => c !== name)];
      throw new InputError(
        file,
        `layers.ollama.customModels[${i}]`,
        name,
        `is built FROM "${mf.from}" (${mf.file} line ${fromLine}), which this site neither pulls nor builds`,
        `add "${mf.from}" to layers.ollama.models, or change the Modelfile's FROM to one of: ${choices.join(', ') || '(no models listed)'}`,
      );
    }
    resolved.set(name, result);
    order.push(result);
    return result;
  };
  for (const name of [...spec.customModels].sort()) visit(name, [name]);
  return order;
}
