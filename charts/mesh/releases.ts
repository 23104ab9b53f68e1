/**
 * The three Linkerd Helm releases of a mesh site (stable-2.14.10, pinned in lib/model/versions.ts), installed by
 * the gitops layer as Argo CD Applications in sync-wave order:
 *
 * 1. linkerd-crds (wave -7): policy.linkerd.io, linkerd.io ServiceProfile and the Gateway API HTTPRoute CRDs;
 * 2. linkerd-cni (wave -6): the CNI plugin that sets up each meshed pod's iptables redirect, so that meshed pods
 *    need no `linkerd-init` container with NET_ADMIN/NET_RAW: the inference and Ollama namespaces stay at Pod
 *    Security `restricted` (the injector adds the unprivileged `linkerd-network-validator` instead);
 * 3. linkerd-control-plane (wave -4, after kube-prometheus-stack's CRDs at -5 for its PodMonitors, before the
 *    layers at wave 0 so the injector answers when their pods are created);
 * 4. linkerd-smi (wave -3, only where the inference canary goes through the mesh): the TrafficSplit CRD and the
 *    smi-adaptor, after the control plane (the adaptor is meshed, and the chart's post-install hook binds a Role
 *    the control plane creates), before the inference Rollout at wave 0 whose controller writes TrafficSplits.
 *
 * Identity (docs/decisions/0029-linkerd-service-mesh.md): `identity.externalCA: true` and issuer scheme
 * `kubernetes.io/tls`. The chart then renders neither the trust-roots ConfigMap nor the issuer Secret, and
 * never needs a certificate in its values: the control plane's proxies read the anchors from the ConfigMap
 * (`proxy.loadTrustBundleFromConfigMap`, set by the chart for its own pods) and the injector reads them from the
 * same ConfigMap for the workload proxies (controller/proxy-injector/webhook.go, stable-2.14.10). Terraform
 * creates both objects per site (terraform/modules/linkerd-identity); no key is ever in Git.
 *
 * Webhook certificates: the chart generates self-signed serving certificates at every render (genSelfSignedCert)
 * and a checksum of them on two pod templates. Argo CD renders the chart on every refresh, so these fields are
 * ignored for existing objects (`ignoreDifferences` + RespectIgnoreDifferences): the Secret, the webhook's
 * caBundle and the checksum stay those of the first install, which belong together.
 */
import { HelmIgnoreDifference, HelmRelease } from '../../lib/constructs/helm';
import { PROMETHEUS_SELECTOR_LABELS } from '../../lib/constructs/telemetry';
import { HELM_CHARTS } from '../../lib/model/versions';
import { K3S_CLUSTER_CIDRS } from '../../lib/model/k3s';
import { LINKERD_CNI_NAMESPACE, LINKERD_NAMESPACE, LINKERD_SMI_NAMESPACE, K3S_CNI_PATHS, RELEASES } from './names';
import { ContainerSize, containerResources } from '../../lib/constructs/sizing';
import { CONTROL_PLANE_SIZES, controlPlaneConsumers, MeshProps, smiConsumers } from './props';

export const SYNC_WAVES = { crds: -7, cni: -6, controlPlane: -4, smi: -3 } as const;

/** The chart's resource shape (`partials.resources`): cpu/memory request and limit as quantities. */
function chartResources(s: ContainerSize): Record<string, unknown> {
  return {
    cpu: { request: `${s.cpuMillicores}m`, limit: `${s.cpuLimitMillicores}m` },
    memory: { request: `${s.memoryMiB}Mi`, limit: `${s.memoryMiB}Mi` },
  };
}

/** Webhook serving certificates generated at render time, and the pod-template checksums over them. */
export const GENERATED_AT_RENDER: readonly HelmIgnoreDifference[] = [
  ...['linkerd-proxy-injector-k8s-tls', 'linkerd-sp-validator-k8s-tls', 'linkerd-policy-validator-k8s-tls'].map((name) => ({
    group: '',
    kind: 'Secret',
    name,
    namespace: LINKERD_NAMESPACE,
    jsonPointers: ['/data'],
  })),
  ...['linkerd-destination', 'linkerd-proxy-injector'].map((name) => ({
    group: 'apps',
    kind: 'Deployment',
    name,
    namespace: LINKERD_NAMESPACE,
    jsonPointers: ['/spec/template/metadata/annotations/checksum~1config'],
  })),
];

export function linkerdCrdsRelease(): HelmRelease {
  return {
    name: RELEASES.crds,
    chart: HELM_CHARTS.linkerdCrds,
    namespace: LINKERD_NAMESPACE,
    syncWave: SYNC_WAVES.crds,
    serverSideApply: true,
    // The chart's default: the Gateway API HTTPRoute CRD (gateway.networking.k8s.io v1beta1) comes with it;
    // nothing else at the site installs Gateway API.
    values: {},
    requests: [],
  };
}

export function linkerdCniRelease(props: MeshProps): HelmRelease {
  const { cni } = controlPlaneConsumers(props);
  return {
    name: RELEASES.cni,
    chart: HELM_CHARTS.linkerdCni,
    namespace: LINKERD_CNI_NAMESPACE,
    syncWave: SYNC_WAVES.cni,
    values: {
      destCNINetDir: K3S_CNI_PATHS.netDir,
      destCNIBinDir: K3S_CNI_PATHS.binDir,
      resources: chartResources(CONTROL_PLANE_SIZES.cni),
    },
    requests: cni,
  };
}

export function linkerdControlPlaneRelease(props: MeshProps): HelmRelease {
  const s = CONTROL_PLANE_SIZES;
  const { controlPlane } = controlPlaneConsumers(props);
  return {
    name: RELEASES.controlPlane,
    chart: HELM_CHARTS.linkerdControlPlane,
    namespace: LINKERD_NAMESPACE,
    syncWave: SYNC_WAVES.controlPlane,
    serverSideApply: true,
    ignoreDifferences: GENERATED_AT_RENDER,
    values: {
      cniEnabled: true,
      // The K3s pod and service networks (the chart's default lists every private range, the site LAN included).
      clusterNetworks: K3S_CLUSTER_CIDRS.join(','),
      // The heartbeat CronJob reports to versioncheck.linkerd.io: edge sites have no such egress (and its
      // schedule is computed from the render time, which would change the Application on every refresh).
      disableHeartBeat: true,
      identity: { externalCA: true, issuer: { scheme: 'kubernetes.io/tls' } },
      proxy: {
        resources: chartResources(props.proxy),
        // Pod Security restricted for the injected proxies (the chart adds it only to its own pods).
        capabilities: { drop: ['ALL'] },
      },
      // The validator's resources come from proxyInit (the init container it replaces); below the proxy's.
      proxyInit: { resources: chartResources({ cpuMillicores: 10, cpuLimitMillicores: 100, memoryMiB: 16 }) },
      destinationResources: chartResources(s.destination),
      spValidatorResources: chartResources(s.spValidator),
      policyController: { resources: chartResources(s.policy) },
      identityResources: chartResources(s.identity),
      proxyInjectorResources: chartResources(s.proxyInjector),
      podMonitor: {
        enabled: props.monitored,
        labels: { ...PROMETHEUS_SELECTOR_LABELS },
        scrapeInterval: '30s',
        scrapeTimeout: '10s',
        controller: { enabled: true, namespaceSelector: `matchNames:\n  - ${LINKERD_NAMESPACE}\n` },
        serviceMirror: { enabled: false },
        proxy: { enabled: true },
      },
    },
    requests: controlPlane,
  };
}

/**
 * linkerd-smi 1.0.4 (v0.2.7, ADR 0029 decision 5): the TrafficSplit CRD (split.smi-spec.io, v1alpha1 = what Argo
 * Rollouts v1.9.0 writes by default) and the smi-adaptor, which turns each TrafficSplit into the `dstOverrides` of
 * the root Service's ServiceProfile; meshed clients' proxies then weight the canary exactly. The chart's
 * post-install hook (a Job, image extension-init) labels the namespace `linkerd.io/extension: smi` and is deleted
 * once it succeeds.
 */
export function linkerdSmiRelease(props: MeshProps): HelmRelease {
  return {
    name: RELEASES.smi,
    chart: HELM_CHARTS.linkerdSmi,
    namespace: LINKERD_SMI_NAMESPACE,
    syncWave: SYNC_WAVES.smi,
    values: {
      linkerdNamespace: LINKERD_NAMESPACE,
      adaptor: { resources: containerResources(CONTROL_PLANE_SIZES.smiAdaptor) },
    },
    requests: smiConsumers(props),
  };
}
