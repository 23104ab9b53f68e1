/**
 * The mesh layer (docs/decisions/0029-linkerd-service-mesh.md): opt-in Linkerd per site (`layers.mesh.enabled`)
 * for mTLS between the inference and Ollama servers and their meshed clients. Three Helm releases (releases.ts:
 * CRDs, CNI plugin, control plane, whose pods are sized in props.ts for the capacity check; linkerd-smi where the
 * inference canary is weighted through the mesh), the NetworkPolicy
 * edges of the data and control planes (chart.ts), alerts (rules.ts) and a dashboard (dashboard.ts) on the proxy
 * metrics the chart's PodMonitors scrape. The inference and Ollama layers read `isActive('mesh')`, add
 * `linkerd.io/inject: enabled` to their pod templates and count their proxies (lib/constructs/mesh.ts). Off:
 * nothing of it renders anywhere.
 */
import { defineLayer } from '../../lib/constructs/layer';
import { Exporter } from '../../lib/constructs/metrics';
import { MeshChart } from './chart';
import { LINKERD_CNI_NAMESPACE, LINKERD_NAMESPACE, LINKERD_SMI_NAMESPACE } from './names';
import { MeshProps, resolveMeshProps } from './props';
import { MESH_LAYER, MESHED_NAMESPACES } from '../../lib/constructs/mesh';
import { linkerdCniRelease, linkerdControlPlaneRelease, linkerdCrdsRelease, linkerdSmiRelease } from './releases';
import { meshRules } from './rules';
import { meshDashboard } from './dashboard';

export const meshLayer = defineLayer<MeshProps>({
  name: MESH_LAYER,
  reads: ['monitoring'],
  resolve: (ctx) => (ctx.site.layers.mesh?.enabled === true ? resolveMeshProps(ctx.site, ctx.isActive('monitoring')) : undefined),
  namespaces: (props) => [
    // Restricted: with the CNI plugin no control-plane pod needs linkerd-init's NET_ADMIN; the controllers talk
    // to the API server (identity reviews tokens, destination and policy watch endpoints and policies).
    { name: LINKERD_NAMESPACE, layer: MESH_LAYER, podSecurity: 'restricted', apiServerEgress: true },
    {
      name: LINKERD_CNI_NAMESPACE,
      layer: MESH_LAYER,
      podSecurity: 'privileged',
      podSecurityReason:
        'linkerd-cni installer only: it runs as root and writes the Linkerd CNI plugin and its chained config into the host\'s K3s CNI directories (hostPath), which is what lets every meshed pod stay at Pod Security restricted (docs/decisions/0029-linkerd-service-mesh.md)',
      // The installer writes a kubeconfig from its service account for the plugin, which then calls the API server
      // from the host network (outside any NetworkPolicy); the installer pod itself is allowed to as well.
      apiServerEgress: true,
    },
    // Only where the inference canary is weighted through the mesh: the smi-adaptor watches TrafficSplits and
    // writes ServiceProfiles, the post-install hook patches its own namespace (both through the API server).
    ...(props.trafficSplit ? [{ name: LINKERD_SMI_NAMESPACE, layer: MESH_LAYER, podSecurity: 'restricted' as const, apiServerEgress: true }] : []),
  ],
  telemetry: (props) =>
    props.monitored
      ? {
          rules: [meshRules(undefined, props.trafficSplit ? [LINKERD_NAMESPACE, LINKERD_SMI_NAMESPACE] : [LINKERD_NAMESPACE])],
          dashboards: [meshDashboard],
          exporters: [Exporter.LinkerdProxy],
          workloadAlerts: true,
        }
      : {},
  releases: (props) => [
    linkerdCrdsRelease(),
    linkerdCniRelease(props),
    linkerdControlPlaneRelease(props),
    ...(props.trafficSplit ? [linkerdSmiRelease(props)] : []),
  ],
  // The meshed namespaces are those of the active layers the platform meshes (their pods carry the annotation).
  build: (scope, props, site) => {
    const active = new Set(site.layers.flatMap((l) => l.namespaces.map((n) => n.name)));
    const meshed = [...MESHED_NAMESPACES.filter((n) => active.has(n)), ...(props.trafficSplit ? [LINKERD_SMI_NAMESPACE] : [])];
    return new MeshChart(scope, MESH_LAYER, { ...props, meshedNamespaces: meshed });
  },
});
