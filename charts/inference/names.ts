/**
 * Object names of the inference layer. They are a public contract: Argo CD prunes by name, clients call the
 * Service by name, dashboards and alerts select by them. Never derive them from anything that can change.
 */

/** Namespace of the serving pods. */
export const INFERENCE_NAMESPACE = 'inference';
/** Namespace of the Argo Rollouts controller. */
export const ARGO_ROLLOUTS_NAMESPACE = 'argo-rollouts';

/** The Rollout, its HPA, PDB and NetworkPolicy, the pods' `app.kubernetes.io/name`, and the client Service. */
export const WORKLOAD_NAME = 'inference-server';
/** blueGreen only: the Service in front of the new version before promotion. */
export const PREVIEW_SERVICE_NAME = 'inference-server-preview';
/**
 * canary through the mesh only (ADR 0029): Services Argo Rollouts narrows to the stable and to the canary
 * ReplicaSet (it adds `rollouts-pod-template-hash` to their selectors), the backends of the TrafficSplit
 * `inference-server` it writes for the root Service `inference-server` (WORKLOAD_NAME).
 */
export const STABLE_SERVICE_NAME = 'inference-server-stable';
export const CANARY_SERVICE_NAME = 'inference-server-canary';
/** The TrafficSplit Argo Rollouts creates and owns (never rendered into dist/). */
export const TRAFFIC_SPLIT_NAME = WORKLOAD_NAME;
/**
 * Headless Service over every inference pod, old and new, for Prometheus only. The client Services cannot
 * serve: in blueGreen Argo Rollouts narrows each to one ReplicaSet, and scraping both would count the
 * promoted pods twice.
 */
export const METRICS_SERVICE_NAME = 'inference-server-metrics';
