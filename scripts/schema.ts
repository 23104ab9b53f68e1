/** Writes schemas/site.schema.json and schemas/fleet.schema.json from the zod schemas (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { fleetJsonSchema, siteJsonSchema } from '../lib/model/json-schema';

writeFileSync('schemas/site.schema.json', siteJsonSchema());
console.log('wrote schemas/site.schema.json');
writeFileSync('schemas/fleet.schema.json', fleetJsonSchema());
console.log('wrote schemas/fleet.schema.json');
