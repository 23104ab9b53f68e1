/**
 * The inference layer's props, resolved once from the site inventory and the model catalogue, and every check
 * that needs both (the inventory schema alone cannot know which models exist or which nodes a runtime can use).
 * Each failure is an InputError naming the site file, the field, the value and the fix.
 */
import { InputError } from '../../lib/model/errors';
import { Architecture, ClientSpec, InferenceSpec } from '../../lib/model/schema';
import { SiteContext, siteArchitectures } from '../../lib/model/site';
import { IMAGES, ImageRef, OWN_IMAGES } from '../../lib/model/versions';
import { Fleet, ownImageRepository } from '../../lib/model/fleet';
import { ContainerResources } from '../../lib/constructs/workload';
import { latencyBucket } from './rules';
import { CONFIGMAP_MODEL_LIMIT_BYTES } from '@edge-ai/inference-contract';
import { CONFIGMAP_TOTAL_LIMIT_BYTES, InferenceModel } from '../../lib/model/inference-models';

/** The serving runtime (inventory `layers.inference.runtime`). */
export enum InferenceRuntime {
  /** The project's own server (server/) on onnxruntime-node: amd64 and arm64. */
  ONNX = 'onnx',
  /** NVIDIA Triton with its ONNX Runtime backend: amd64 only. */
  TRITON = 'triton',
}

/** The Argo Rollouts strategy (inventory `layers.inference.strategy`). */
export enum RolloutStrategy {
  CANARY = 'canary',
  BLUE_GREEN = 'blueGreen',
}

export type SloSpec = InferenceSpec['slo'];

/** The ADR every model-delivery error points at. */
const MODEL_DELIVERY_ADR = 'docs/decisions/0006-model-delivery.md';

/**
 * Model names become pod volume names `model-<name>`, which are DNS labels of at most 63 characters.
 */
const MAX_MODEL_NAME_LENGTH = 63 - 'model-'.length;

export interface InferenceLayerProps {
  /** Site name (OpenTelemetry resource attribute). */
  readonly site: string;
  readonly runtime: InferenceRuntime;
  /** Model versions to serve: per model in inventory order, the versions of its traffic split, oldest first. */
  readonly models: readonly InferenceModel[];
  /**
   * Per model: version → share of the unversioned requests in percent (sums to 100). Every model of
   * `models` has an entry; without a split in the inventory its highest version takes 100.
   */
  readonly traffic: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** HPA floor: the number of pods at steady state. */
  readonly replicas: number;
  /** HPA ceiling (≥ replicas). */
  readonly maxReplicas: number;
  readonly targetCpuUtilizationPercent: number;
  readonly strategy: RolloutStrategy;
  /** canary: share of the pods moved to the new version during the analysis. */
  readonly canaryWeightPercent: number;
  /** blueGreen: promote automatically after a passing pre-promotion analysis. */
  readonly autoPromote: boolean;
  /** Requests and limits of the serving container. */
  readonly resources: ContainerResources;
  /** Pods allowed to call the inference API. */
  readonly clients: readonly ClientSpec[];
  readonly slo: SloSpec;
  /** The serving image (the project's own server from the fleet registry, or Triton). */
  readonly image: ImageRef;
  /** Architectures the pods may run on: the image's ∩ the site's (never empty). */
  readonly architectures: readonly Architecture[];
  /** Nodes of those architectures: with one, a node drain must be able to evict every replica. */
  readonly eligibleNodes: number;
  /** The site runs the monitoring layer (Prometheus for the analysis, OTel collector for traces). */
  readonly monitoring: boolean;
  /** The site runs the Linkerd mesh: pods get a proxy, clients may reach it on 4143 (charts/mesh). @default false */
  readonly mesh?: boolean;
  /**
   * canary through the mesh (lib/constructs/mesh.ts meshTrafficSplit): the Rollout routes the canary's share of
   * requests exactly with SMI traffic routing (stable and canary Services, a TrafficSplit Argo Rollouts writes,
   * linkerd-smi turning it into Linkerd routing) instead of by replica counts. @default false
   */
  readonly meshTrafficSplit?: boolean;
}

/**
 * The image of a runtime (versions live in lib/model/versions.ts). The project's own server is pulled from the
 * registry of fleet.yaml (`images.registry`).
 */
export function runtimeImage(runtime: InferenceRuntime, fleet: Pick<Fleet, 'images'>): ImageRef {
  if (runtime === InferenceRuntime.TRITON) return IMAGES.triton;
  const own = OWN_IMAGES.inferenceServer;
  return { repository: ownImageRepository(fleet, own.name), tag: own.tag, architectures: own.architectures };
}

function formatKiB(bytes: number): string {
  return `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`;
}

/** Bytes one model occupies in its ConfigMap: binaryData counts base64-encoded. */
function configMapBytes(model: InferenceModel, extraFiles: Readonly<Record<string, string>> = {}): number {
  const text = [model.metadataJson, model.evalSetJson, ...Object.values(extraFiles)];
  return model.base64.length + text.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
}

function resolveModels(ctx: SiteContext): { models: InferenceModel[]; traffic: Record<string, Record<string, number>> } {
  const { site, file, catalog } = ctx;
  const byName = new Map<string, InferenceModel[]>();
  for (const m of catalog.onnxModels) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  const split = site.layers.inference.traffic;
  for (const name of Object.keys(split)) {
    if (!site.layers.inference.models.includes(name)) {
      throw new InputError(file, `layers.inference.traffic.${name}`, name, 'is not a model this site serves (layers.inference.models)', `add "${name}" to layers.inference.models or remove its traffic split`);
    }
  }
  const traffic: Record<string, Record<string, number>> = {};
  const available = [...byName.keys()].sort().join(', ') || '(none: models/onnx/ is empty)';
  const seen = new Set<string>();
  const models = site.layers.inference.models.flatMap((name, i) => {
    const field = `layers.inference.models[${i}]`;
    const versions = byName.get(name);
    if (!versions) {
      throw new InputError(file, field, name, `is not a model of models/onnx/ (available: ${available})`, 'use one of the available names, or add the model folder models/onnx/<name>/ with model.onnx, model.json and its eval set');
    }
    if (seen.has(name)) {
      throw new InputError(file, field, name, 'is listed twice', 'list every model once');
    }
    seen.add(name);
    // A version of a split must exist in the catalogue; without a split the highest version serves alone.
    const weights = split[name] ?? { [versions[versions.length - 1].version]: 100 };
    for (const version of Object.keys(weights)) {
      if (!versions.some((v) => v.version === version)) {
        throw new InputError(
          file,
          `layers.inference.traffic.${name}.${version}`,
          version,
          `is not a version of model "${name}" (available: ${versions.map((v) => v.version).join(', ')})`,
          `use one of the available versions, or add models/onnx/${name}/${version}/`,
        );
      }
    }
    traffic[name] = weights;
    return versions.filter((v) => weights[v.version] !== undefined).map((model) => checkDelivery(file, field, name, model));
  });
  return { models, traffic };
}

/** A model version must fit the ConfigMap it is delivered in. */
function checkDelivery(file: string, field: string, name: string, model: InferenceModel): InferenceModel {
  if (name.length > MAX_MODEL_NAME_LENGTH) {
    throw new InputError(file, field, name, `is ${name.length} characters long; the pod volume "model-${name}" may have at most 63`, `rename the model to at most ${MAX_MODEL_NAME_LENGTH} characters`);
  }
  if (model.sizeBytes > CONFIGMAP_MODEL_LIMIT_BYTES) {
    throw new InputError(
      file,
      field,
      name,
      `has a model.onnx of ${formatKiB(model.sizeBytes)}, above the ${CONFIGMAP_MODEL_LIMIT_BYTES / 1024} KiB limit for ConfigMap delivery (${MODEL_DELIVERY_ADR})`,
      `deliver it as an OCI model image as ${MODEL_DELIVERY_ADR} describes, or shrink the model (quantize, prune) below ${CONFIGMAP_MODEL_LIMIT_BYTES / 1024} KiB`,
    );
  }
  const total = configMapBytes(model);
  if (total > CONFIGMAP_TOTAL_LIMIT_BYTES) {
    throw new InputError(
      file,
      field,
      name,
      `needs a ConfigMap of ${formatKiB(total)} (model.onnx as base64 + model.json + ${model.evalSet}), above the 1 MiB Kubernetes limit (${MODEL_DELIVERY_ADR})`,
      `shrink the eval set ${model.evalSet} or deliver the model as an OCI model image (${MODEL_DELIVERY_ADR})`,
    );
  }
  return model;
}

/** Resolves and validates the inference props of a site. Throws InputError on the first problem. */
export function resolveInferenceProps(ctx: SiteContext, monitoring: boolean): InferenceLayerProps {
  const { site, file } = ctx;
  const spec = site.layers.inference;
  const runtime = spec.runtime === 'triton' ? InferenceRuntime.TRITON : InferenceRuntime.ONNX;
  const image = runtimeImage(runtime, ctx.catalog.fleet);
  const siteArchs = siteArchitectures(site);
  const architectures = image.architectures.filter((a) => siteArchs.includes(a));
  if (architectures.length === 0) {
    const nodes = site.nodes.map((n) => `${n.name} (${n.arch})`).join(', ');
    throw new InputError(
      file,
      'layers.inference.runtime',
      spec.runtime,
      runtime === InferenceRuntime.TRITON
        ? `needs an amd64 node: NVIDIA publishes no Triton image for Raspberry-Pi-class arm64, and site "${site.name}" has only ${nodes}`
        : `image ${image.repository} supports ${image.architectures.join(', ')}, but site "${site.name}" has only ${nodes}`,
      runtime === InferenceRuntime.TRITON
        ? 'use runtime: onnx (the project inference server runs on arm64 and amd64), or add an amd64 node to the site'
        : 'add a node of a supported architecture',
    );
  }
  if (runtime === InferenceRuntime.ONNX) latencyBucket(spec.slo.latencyP95Seconds, file);
  if (runtime === InferenceRuntime.TRITON) {
    const split = Object.entries(spec.traffic).find(([, weights]) => Object.keys(weights).length > 1);
    if (split) {
      throw new InputError(file, `layers.inference.traffic.${split[0]}`, split[1], 'splits traffic between versions, which only the project server (runtime onnx) does', 'use runtime: onnx for A/B tests, or keep one version per model with triton');
    }
  }
  if (spec.maxReplicas < spec.replicas) {
    throw new InputError(file, 'layers.inference.maxReplicas', spec.maxReplicas, `is below replicas (${spec.replicas}), the HPA floor`, `set maxReplicas to at least ${spec.replicas}`);
  }
  return {
    site: site.name,
    runtime,
    ...resolveModels(ctx),
    replicas: spec.replicas,
    maxReplicas: spec.maxReplicas,
    targetCpuUtilizationPercent: spec.targetCpuUtilizationPercent,
    strategy: spec.strategy === 'blueGreen' ? RolloutStrategy.BLUE_GREEN : RolloutStrategy.CANARY,
    canaryWeightPercent: spec.canaryWeightPercent,
    autoPromote: spec.autoPromote,
    resources: spec.resources,
    clients: spec.clients,
    slo: spec.slo,
    image,
    architectures,
    eligibleNodes: site.nodes.filter((n) => architectures.includes(n.arch)).length,
    monitoring,
  };
}
