/** Shared by test/mesh and test/helm: what Argo Rollouts writes at a mesh site (ADR 0029 decision 5). */
import { K8sObject } from '../helpers';

/**
 * The TrafficSplit Argo Rollouts v1.9.0 writes for a Rollout at a canary step of `weight` percent, in the shape of
 * rollout/trafficrouting/smi/smi.go `trafficSplitV1Alpha1` (the controller's default `--traffic-split-api-version`
 * v1alpha1): root service, the canary backend first, the stable backend with the rest; weights are
 * resource.Quantity values, which serialise as strings.
 */
export function argoTrafficSplit(rollout: K8sObject, weight: number, apiVersion = 'split.smi-spec.io/v1alpha1'): K8sObject {
  const owner = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: rollout.metadata.name, uid: '00000000-0000-0000-0000-000000000000', controller: true, blockOwnerDeletion: true };
  const canary = rollout.spec.strategy.canary;
  return {
    apiVersion,
    kind: 'TrafficSplit',
    metadata: {
      ownerReferences: [owner],
      name: canary.trafficRouting.smi.trafficSplitName ?? rollout.metadata.name,
      namespace: rollout.metadata.namespace,
    } as K8sObject['metadata'],
    spec: {
      service: canary.trafficRouting.smi.rootService ?? canary.stableService,
      backends: [
        { service: canary.canaryService, weight: String(weight) },
        { service: canary.stableService, weight: String(100 - weight) },
      ],
    },
  };
}
