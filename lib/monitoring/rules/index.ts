/**
 * The rule modules of a site, per concern: inference and Ollama groups only where that layer runs, platform
 * groups everywhere. Pure functions of the site and the model catalogue.
 */
import { Site } from '../../inventory/schema';
import { inferenceRules, ModelFacts } from './inference';
import { ollamaRules } from './ollama';
import { hubArgoCdRules, platformRules } from './platform';
import { RuleModule } from './types';

export { hubArgoCdRules };
export type { ModelFacts };

export function siteRuleModules(site: Site, file: string, models: readonly ModelFacts[]): RuleModule[] {
  const out: RuleModule[] = [];
  if (site.layers.inference.enabled) out.push(inferenceRules({ site, file, models }));
  if (site.layers.ollama.enabled) out.push(ollamaRules());
  out.push(platformRules(site));
  return out;
}
