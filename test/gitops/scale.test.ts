/**
 * The hub objects stay small at fleet scale. etcd rejects objects over 1.5 MiB (its default request limit), and
 * an AppProject or ApplicationSet that grew with the fleet would stop the whole hub at some site count. At
 * 3,000 hub-mode sites, with a maintenance window at every site, the project must stay far below that and
 * the ApplicationSets must not grow at all.
 */
import { GITOPS_APPLICATIONSET, LAYERS_APPLICATIONSET } from '../../charts/gitops/applicationset';
import { PROJECTS } from '../../charts/gitops/contract';
import { Site } from '../../lib/model/schema';
import { findResource } from '../helpers';
import { renderHubFor, site } from './support';

const ETCD_LIMIT_BYTES = 1.5 * 1024 * 1024;
const SITES = 3000;
const ZONES = ['Europe/Berlin', 'Europe/Paris', 'America/Chicago', 'Asia/Tokyo', 'UTC'];

function fleet(window: (i: number) => string): Site[] {
  return Array.from({ length: SITES }, (_, i) => {
    const w = window(i);
    const extra = w ? `gitops: { syncWindows: [${w}] }` : '';
    return site(`site-${String(i).padStart(4, '0')}-of-a-fleet`, i === 0 ? 0 : 1 + (i % 9), extra, 0);
  }).map((s, i) => ({ ...s, nodes: s.nodes.map((n) => ({ ...n, ip: `10.${(i >> 8) & 255}.${i & 255}.1` })) }));
}

function bytes(o: unknown): number {
  return Buffer.byteLength(JSON.stringify(o));
}

describe(`hub objects at ${SITES} sites`, () => {
  // Typical: sites pick one of 24 × 5 windows (hour × time zone). Worst case: every window differs.
  const typical = renderHubFor(fleet((i) => `{ kind: deny, schedule: "0 ${i % 24} * * 1-5", duration: 8h, timeZone: ${ZONES[i % 5]} }`));
  const worst = renderHubFor(fleet((i) => `{ kind: allow, schedule: "${i % 60} ${Math.floor(i / 60) % 24} * * *", duration: ${1 + Math.floor(i / 1440)}h, timeZone: ${ZONES[i % 5]} }`));

  it('the site project stays far below the etcd object limit, even when every site has its own window', () => {
    const projects = [typical, worst].map((h) => findResource(h.objects, 'AppProject', PROJECTS.sites));
    expect(projects.map((p) => p.spec.syncWindows.length)).toEqual([24 * ZONES.length, SITES]);
    const sizes = projects.map(bytes);
    console.log(`AppProject ${PROJECTS.sites} at ${SITES} sites: ${sizes[0]} bytes (windows shared), ${sizes[1]} bytes (every window distinct); etcd limit ${ETCD_LIMIT_BYTES}`);
    expect(sizes[0]).toBeLessThan(ETCD_LIMIT_BYTES / 10);
    expect(sizes[1]).toBeLessThan(ETCD_LIMIT_BYTES / 2);
  });

  it('the ApplicationSets do not grow with the fleet (only with the rings in use)', () => {
    const small = renderHubFor([site('one', 0), site('two', 1, '', 31), site('three', 9, '', 32)]);
    for (const name of [LAYERS_APPLICATIONSET, GITOPS_APPLICATIONSET]) {
      const big = bytes(findResource(typical.objects, 'ApplicationSet', name));
      expect(big).toBeLessThan(16 * 1024);
      // Same rings in use (0, 1 and 9 are among the fleet's): same size, whatever the site count.
      const tenRings = renderHubFor([...Array(10).keys()].map((r) => site(`r${r}`, r, '', 60 + r)));
      expect(bytes(findResource(tenRings.objects, 'ApplicationSet', name))).toBe(big);
      expect(bytes(findResource(small.objects, 'ApplicationSet', name))).toBeLessThan(big);
    }
  });

  it('writes one small generator file per site and per purpose', () => {
    expect(typical.json.size).toBe(2 * SITES);
    const largest = Math.max(...typical.files.filter((f) => f.path.endsWith('.json')).map((f) => f.content.length));
    expect(largest).toBeLessThan(2048);
  });
});
