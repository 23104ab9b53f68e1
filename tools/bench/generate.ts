/**
 * Deterministic synthetic fleet for benchmarks and scale tests: N valid sites with varied hardware (Raspberry
 * Pi 4 4/8 GiB, Intel NUC 16/32 GiB, one to three nodes), rings, GitOps modes and layer settings. The same N
 * always gives the same files, so benchmark runs are comparable.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

interface Hardware {
  readonly arch: 'amd64' | 'arm64';
  readonly cpuCores: number;
  readonly memoryGiB: number;
  readonly hardware: string;
}

const PI4_4: Hardware = { arch: 'arm64', cpuCores: 4, memoryGiB: 4, hardware: 'Raspberry Pi 4 Model B 4GB' };
const PI4_8: Hardware = { arch: 'arm64', cpuCores: 4, memoryGiB: 8, hardware: 'Raspberry Pi 4 Model B 8GB' };
const NUC_16: Hardware = { arch: 'amd64', cpuCores: 4, memoryGiB: 16, hardware: 'Intel NUC 11 Essential' };
const NUC_32: Hardware = { arch: 'amd64', cpuCores: 12, memoryGiB: 32, hardware: 'Intel NUC 12 Pro' };

/** Site shapes, cycled by index: small stores dominate a retail fleet. */
const SHAPES: readonly { readonly nodes: readonly Hardware[]; readonly ollama: readonly string[] | null }[] = [
  { nodes: [PI4_4], ollama: null },
  { nodes: [PI4_8, PI4_8], ollama: ['llama3.2:1b'] },
  { nodes: [PI4_8], ollama: ['qwen2.5:0.5b'] },
  { nodes: [NUC_16], ollama: ['llama3.2:3b'] },
  { nodes: [NUC_32, PI4_8], ollama: ['llama3.2:3b', 'llama3.2:1b'] },
  { nodes: [PI4_8, PI4_8, PI4_4], ollama: ['llama3.2:1b'] },
];

export function syntheticSite(i: number): Record<string, unknown> {
  const shape = SHAPES[i % SHAPES.length];
  const name = `store-${String(i).padStart(5, '0')}`;
  // 10.<region>.<site>.<node>: unique across the fleet for up to 65,536 sites.
  const ip = (node: number): string => `10.${100 + Math.floor(i / 256)}.${i % 256}.${10 + node}`;
  const nodes = shape.nodes.map((h, n) => ({
    name: `${name}-n${n + 1}`,
    ip: ip(n),
    arch: h.arch,
    cpuCores: h.cpuCores,
    memoryGiB: h.memoryGiB,
    role: n === 0 ? 'server' : 'agent',
    hardware: h.hardware,
  }));
  const small = shape.nodes.every((h) => h.memoryGiB <= 4);
  return {
    name,
    location: `Synthetic store ${i}`,
    region: ['eu-central', 'eu-west', 'us-east', 'us-west'][i % 4],
    ring: i === 0 ? 0 : 1 + (i % 3),
    nodes,
    layers: {
      inference: {
        models: ['bearing-anomaly'],
        replicas: small ? 1 : 2,
        maxReplicas: small ? 2 : 4,
        strategy: i % 5 === 0 ? 'blueGreen' : 'canary',
        resources: { cpuMillicores: 200, memoryMiB: 192 },
      },
      ollama: shape.ollama ? { models: [...shape.ollama], customModels: shape.ollama.includes('llama3.2:1b') ? ['ai-assistant'] : [] } : { enabled: false },
      monitoring: {
        retentionDays: small ? 3 : 7,
        storageGiB: small ? 5 : 10,
        prometheusMemoryMiB: small ? 384 : 768,
        grafana: i % 10 === 0,
      },
    },
    gitops: {
      mode: i % 7 === 3 ? 'pull' : 'hub',
      syncWindows: i % 4 === 0 ? [{ kind: 'allow', schedule: '0 1 * * *', duration: '4h', timeZone: 'Europe/Berlin' }] : [],
    },
  };
}

/** Writes sites store-00000 … store-(n-1) into dir as `<name>.yaml`. */
export function writeSyntheticFleet(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const site = syntheticSite(i);
    writeFileSync(join(dir, `${site.name as string}.yaml`), yaml.dump(site, { lineWidth: -1 }));
  }
}
