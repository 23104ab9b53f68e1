/** The one YAML serialisation of rendered manifests: block style, no anchors, no line folding. */
import * as yaml from 'js-yaml';

export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1 })).join('---\n');
}
