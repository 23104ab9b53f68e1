/** Writes schemas/site.schema.json from the zod inventory schema (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { siteJsonSchema } from '../lib/model/json-schema';

writeFileSync('schemas/site.schema.json', siteJsonSchema());
console.log('wrote schemas/site.schema.json');
