/** JSON Schemas of a site file and of fleet.yaml, generated from the zod schemas, for editors (yaml-language-server). */
import { z } from 'zod';
import { FleetSchema } from './fleet';
import { SiteSchema } from './schema';

export function siteJsonSchema(): string {
  const schema = z.toJSONSchema(SiteSchema, { io: 'input', target: 'draft-7' });
  return `${JSON.stringify({ ...schema, title: 'Edge site inventory', $id: 'https://edge-ai.io/schemas/site.schema.json' }, null, 2)}\n`;
}

export function fleetJsonSchema(): string {
  const schema = z.toJSONSchema(FleetSchema, { io: 'input', target: 'draft-7' });
  return `${JSON.stringify({ ...schema, title: 'Edge fleet config', $id: 'https://edge-ai.io/schemas/fleet.schema.json' }, null, 2)}\n`;
}
