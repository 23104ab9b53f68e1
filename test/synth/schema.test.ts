/** The editor schemas are generated from the zod schemas and must be committed up to date and closed-world. */
import { readdirSync, readFileSync } from 'node:fs';
import { fleetJsonSchema, siteJsonSchema } from '../../lib/model/json-schema';

/** Every object schema with properties, anywhere in a JSON Schema. */
function objectSchemas(schema: unknown): Record<string, unknown>[] {
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
  return objects;
}

describe('schemas/site.schema.json', () => {
  it('is up to date with lib/model/schema.ts (run `npm run schema`)', () => {
    expect(readFileSync('schemas/site.schema.json', 'utf8')).toBe(siteJsonSchema());
  });

  it('is closed-world like the loader: unknown keys are not allowed anywhere', () => {
    const objects = objectSchemas(JSON.parse(siteJsonSchema()));
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) expect(o.additionalProperties).toBe(false);
  });

  it('is referenced by every site file for editor completion', () => {
    for (const f of readdirSync('sites').filter((n) => n.endsWith('.yaml'))) {
      expect(readFileSync(`sites/${f}`, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/site.schema.json');
    }
  });
});

describe('schemas/fleet.schema.json', () => {
  it('is up to date with lib/model/fleet.ts (run `npm run schema`)', () => {
    expect(readFileSync('schemas/fleet.schema.json', 'utf8')).toBe(fleetJsonSchema());
  });

  it('is closed-world like the loader and referenced by fleet.yaml', () => {
    const objects = objectSchemas(JSON.parse(fleetJsonSchema()));
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) expect(o.additionalProperties).toBe(false);
    expect(readFileSync('fleet.yaml', 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=schemas/fleet.schema.json');
  });
});
