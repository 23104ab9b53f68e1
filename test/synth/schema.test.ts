/** The editor schema is generated from the zod schema and must be committed up to date. */
import { readdirSync, readFileSync } from 'node:fs';
import { siteJsonSchema } from '../../lib/model/json-schema';

describe('schemas/site.schema.json', () => {
  it('is up to date with lib/model/schema.ts (run `npm run schema`)', () => {
    expect(readFileSync('schemas/site.schema.json', 'utf8')).toBe(siteJsonSchema());
  });

  it('is closed-world like the loader: unknown keys are not allowed anywhere', () => {
    const schema = JSON.parse(siteJsonSchema());
    const objects: Record<string, unknown>[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        if (o.type === 'object' && o.properties) objects.push(o);
        Object.values(o).forEach(walk);
      }
    };
    walk(schema);
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) expect(o.additionalProperties).toBe(false);
  });

  it('is referenced by every site file for editor completion', () => {
    for (const f of readdirSync('sites').filter((n) => n.endsWith('.yaml'))) {
      expect(readFileSync(`sites/${f}`, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/site.schema.json');
    }
  });
});
