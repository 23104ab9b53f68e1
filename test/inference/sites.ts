/**
 * Small inventories for the inference tests: a base site (two Raspberry Pis, or a NUC + a Pi) with the
 * `layers.inference` / `layers.monitoring` blocks given as YAML, rendered in memory.
 */
import { parseSiteFile } from '../../lib/model/load';
import { renderSite } from '../../lib/synth/render';
import { Catalog } from '../../lib/model/site';
import { buildSite, BuiltSite, K8sObject, repoCatalog, siteFromYaml } from '../helpers';

export type Nodes = 'pis' | 'nuc-and-pi' | 'one-pi';

const NODES: Record<Nodes, string> = {
  pis: `
  - { name: pi-01, ip: 10.40.0.11, arch: arm64, cpuCores: 4, memoryGiB: 8, role: server }
  - { name: pi-02, ip: 10.40.0.12, arch: arm64, cpuCores: 4, memoryGiB: 8, role: agent }`,
  'nuc-and-pi': `
  - { name: nuc-01, ip: 10.40.0.10, arch: amd64, cpuCores: 12, memoryGiB: 32, role: server }
  - { name: pi-01, ip: 10.40.0.11, arch: arm64, cpuCores: 4, memoryGiB: 8, role: agent }`,
  'one-pi': `
  - { name: pi-01, ip: 10.40.0.11, arch: arm64, cpuCores: 4, memoryGiB: 4, role: server }`,
};

function indent(block: string, spaces: number): string {
  return block
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(spaces)}${l}`)
    .join('\n');
}

/** A test site; `inference` and `monitoring` are YAML bodies of those layer blocks. */
export function testSite(opts: { nodes?: Nodes; inference?: string; monitoring?: string; name?: string } = {}) {
  const inference = opts.inference ? `\n  inference:\n${indent(opts.inference, 4)}` : '';
  const monitoring = opts.monitoring ? `\n  monitoring:\n${indent(opts.monitoring, 4)}` : '';
  return siteFromYaml(`name: ${opts.name ?? 'test-line'}
location: Inference test line
ring: 1
nodes:${NODES[opts.nodes ?? 'pis']}
layers:${inference}${monitoring}
  ollama:
    enabled: false
`);
}

/** Renders a test site and returns the inference layer's objects. */
export function inferenceObjects(opts: Parameters<typeof testSite>[0] = {}, catalog: Catalog = repoCatalog()): K8sObject[] {
  return build(opts, catalog).layers.inference ?? [];
}

export function build(opts: Parameters<typeof testSite>[0] = {}, catalog: Catalog = repoCatalog()): BuiltSite {
  return buildSite(testSite(opts), catalog);
}

/** Renders a fixture file exactly as the synth would (file name in errors = the fixture path). */
export function renderFixture(path: string, catalog: Catalog = repoCatalog()): void {
  const { site, file } = parseSiteFile(path);
  renderSite({ site, file, catalog });
}

/** The error a function throws (fails the test when it does not throw). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, but none was thrown');
}
