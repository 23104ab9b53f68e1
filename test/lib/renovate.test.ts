/** The update bot sees every pinned version: renovate.json's regex manager matches each entry of lib/model/versions.ts. */
import { readFileSync } from 'node:fs';
import { HELM_CHARTS, IMAGES } from '../../lib/model/versions';

interface RegexManager {
  readonly matchStrings: readonly string[];
}

describe('renovate.json', () => {
  const config = JSON.parse(readFileSync('renovate.json', 'utf8')) as { customManagers: RegexManager[] };
  const source = readFileSync('lib/model/versions.ts', 'utf8');
  // Renovate's regex manager uses RE2 syntax with named groups; JavaScript understands this subset.
  const pattern = new RegExp(config.customManagers[0].matchStrings[0], 'g');
  const matches = [...source.matchAll(pattern)].map((m) => ({ depName: m.groups?.depName, currentValue: m.groups?.currentValue }));

  it('finds one dependency per image and chart, with the pinned version', () => {
    const expected = [
      ...Object.values(IMAGES).map((i) => ({ depName: i.repository, currentValue: i.tag })),
      ...Object.values(HELM_CHARTS).map((c) => ({ depName: c.chart, currentValue: c.version })),
    ];
    expect(matches).toHaveLength(expected.length);
    expect(matches).toEqual(expect.arrayContaining(expected));
  });

  it('pins nothing to latest', () => {
    for (const m of matches) expect(m.currentValue).not.toMatch(/latest/);
  });
});
