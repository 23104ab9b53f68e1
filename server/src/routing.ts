/**
 * Traffic split between the versions of a model (A/B testing at the server, no mesh needed):
 * `POST /v2/models/{name}/infer` goes to a version chosen by smooth weighted round robin (the algorithm of
 * nginx's upstream module), which is exact and deterministic: over every window of `sum(weights)` requests,
 * each version receives exactly its weight, and the versions interleave instead of arriving in runs
 * (90/10 gives one request of the candidate after every nine of the baseline, not ten in a row).
 *
 * docs/decisions/0022-model-ab-testing.md explains why the server routes rather than a mesh.
 */
import { compareVersions } from '@edge-ai/inference-contract';

/** model → version → weight (percent), as in MODEL_TRAFFIC_SPLIT. */
export type TrafficSplit = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Request header that pins a version for one request (testing, shadow checks, the Experiment's probes). */
export const VERSION_HEADER = 'x-model-version';

export class WeightedRouter {
  private readonly entries: { version: string; weight: number; current: number }[];
  private readonly total: number;

  constructor(weights: Readonly<Record<string, number>>) {
    // Sorted so that the sequence does not depend on the order of keys in the configuration.
    this.entries = Object.keys(weights)
      .sort(compareVersions)
      .map((version) => ({ version, weight: weights[version], current: 0 }));
    this.total = this.entries.reduce((n, e) => n + e.weight, 0);
    if (this.total <= 0) throw new Error(`a traffic split needs a positive weight; got ${JSON.stringify(weights)}`);
  }

  /** The version for the next unversioned request. */
  next(): string {
    let best = this.entries[0];
    for (const e of this.entries) {
      e.current += e.weight;
      if (e.current > best.current) best = e;
    }
    best.current -= this.total;
    return best.version;
  }

  /** The share of each version, in percent of the total. */
  get weights(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.entries.map((e) => [e.version, e.weight]));
  }
}

/**
 * Parses MODEL_TRAFFIC_SPLIT: JSON `{"<model>": {"<version>": <weight>, …}, …}` with integer weights 0–100
 * summing to 100 per model. Empty: no split (each model's highest version takes all traffic).
 */
export function parseTrafficSplit(raw: string): TrafficSplit {
  if (raw.trim() === '') return {};
  const fail = (why: string): never => {
    throw new Error(`environment variable MODEL_TRAFFIC_SPLIT is ${JSON.stringify(raw)}; ${why} — write it as {"<model>": {"<version>": <percent>, …}}, e.g. {"bearing-anomaly": {"1.0.0": 90, "1.1.0": 10}}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    return fail(`it is not JSON (${(e as Error).message})`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) return fail('it must be a JSON object');
  const split: Record<string, Record<string, number>> = {};
  for (const [model, weights] of Object.entries(parsed)) {
    if (!isObject(weights) || Object.keys(weights).length === 0) return fail(`"${model}" must map at least one version to a weight`);
    let sum = 0;
    for (const [version, weight] of Object.entries(weights)) {
      if (!Number.isInteger(weight) || (weight as number) < 0 || (weight as number) > 100) return fail(`the weight of ${model} ${version} must be an integer from 0 to 100, not ${JSON.stringify(weight)}`);
      sum += weight as number;
    }
    if (sum !== 100) return fail(`the weights of "${model}" sum to ${sum}, not 100`);
    split[model] = weights as Record<string, number>;
  }
  return split;
}
