/** JSON Schema of a site file, generated from the zod schema, for editors (yaml-language-server). */
import { z } from 'zod';
import { SiteSchema } from './schema';

export function siteJsonSchema(): string {
  const schema = z.toJSONSchema(SiteSchema, { io: 'input', target: 'draft-7' });
  return `${JSON.stringify({ ...schema, title: 'Edge site inventory', $id: 'https://edge-ai.io/schemas/site.schema.json' }, null, 2)}\n`;
}
