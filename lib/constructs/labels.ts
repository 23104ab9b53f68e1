/**
 * Label conventions, defined once. Selector labels are the common labels minus anything that changes
 * between releases (the kube-prometheus convention), so a version bump never orphans a ReplicaSet.
 */
export const PART_OF = 'edge-ai-platform';
export const MANAGED_BY = 'cdk8s';
/** The site label carried by every rendered object. */
export const SITE_LABEL = 'edge-ai.io/site';

/** Labels every object of a layer chart carries (applied through the cdk8s Chart `labels` prop). */
export function chartLabels(site: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/component': component,
    [SITE_LABEL]: site,
  };
}

/** Stable selector labels of one workload: never include a version. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name };
}
