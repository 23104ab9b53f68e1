/**
 * The namespaces of a site: one per layer, declared by the layer, created (and protected) by the baseline
 * layer. Pod Security Admission is `restricted` unless the layer states why it cannot be.
 */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface NamespaceSpec {
  readonly name: string;
  /** Layer that owns the workloads in it (the `app.kubernetes.io/component` label). */
  readonly layer: string;
  /** @default restricted */
  readonly podSecurity?: PodSecurityLevel;
  /** Required when podSecurity is not restricted: shown as an annotation and checked by tests. */
  readonly podSecurityReason?: string;
  /** Pods in it talk to the Kubernetes API (controllers, operators, Argo CD). */
  readonly apiServerEgress?: boolean;
}

export const NAMESPACE_REASON_ANNOTATION = 'edge-ai.io/pod-security-reason';

export function assertNamespaceSpec(ns: NamespaceSpec): void {
  if ((ns.podSecurity ?? 'restricted') !== 'restricted' && !ns.podSecurityReason) {
    throw new Error(`namespace "${ns.name}" asks for Pod Security "${ns.podSecurity}" without podSecurityReason: document why restricted cannot work`);
  }
}
