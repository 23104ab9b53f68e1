/**
 * The mesh layer (docs/decisions/0029-linkerd-service-mesh.md): opt-in Linkerd per site (`layers.mesh.enabled`)
 * for mTLS between the inference and Ollama servers and their meshed clients. Three Helm releases (releases.ts:
 * CRDs, CNI plugin, control plane), the NetworkPolicy edges of the data and control planes (chart.ts), the
 * proxies' requests in the capacity check (props.ts), alerts (rules.ts) on the proxy metrics the chart's
 * PodMonitors scrape. The inference and Ollama layers add `linkerd.io/inject: enabled` to their pod templates
 * when the site enables the mesh. Off: nothing of it renders anywhere.
 */
import { defineLayer } from '../../lib/constructs/layer';
import { Exporter } from '../../lib/constructs/metrics';
import { MeshChart } from './chart';
import { LINKERD_CNI_NAMESPACE, LINKERD_NAMESPACE } from './names';
import { MeshProps, proxyConsumers, resolveMeshProps } from './props';
import { meshEnabled } from '../../lib/constructs/mesh';
import { linkerdCniRelease, linkerdControlPlaneRelease, linkerdCrdsRelease } from './releases';
import { meshRules } from './rules';

export const meshLayer = defineLayer<MeshProps>({
  name: 'mesh',
  reads: ['inference', 'ollama', 'monitoring'],
  resolve: (ctx) => {
    const spec = ctx.site.layers.mesh;
    if (!spec || !meshEnabled(ctx.site)) return undefined;
    return resolveMeshProps(ctx.site, spec, { inference: ctx.isActive('inference'), ollama: ctx.isActive('ollama'), monitoring: ctx.isActive('monitoring') });
  },
  namespaces: () => [
    // Restricted: with the CNI plugin no control-plane pod needs linkerd-init's NET_ADMIN; the controllers talk
    // to the API server (identity reviews tokens, destination and policy watch endpoints and policies).
    { name: LINKERD_NAMESPACE, layer: 'mesh', podSecurity: 'restricted', apiServerEgress: true },
    {
      name: LINKERD_CNI_NAMESPACE,
      layer: 'mesh',
      podSecurity: 'privileged',
      podSecurityReason:
        'linkerd-cni installer only: it runs as root and writes the Linkerd CNI plugin and its chained config into the host\'s K3s CNI directories (hostPath), which is what lets every meshed pod stay at Pod Security restricted (docs/decisions/0029-linkerd-service-mesh.md)',
      // The plugin's kubeconfig is written for the host; the installer itself only watches its config file.
      apiServerEgress: true,
    },
  ],
  telemetry: (props) =>
    props.monitored
      ? {
          rules: [meshRules(props.meshedNamespaces)],
          exporters: [Exporter.LinkerdProxy],
          workloadAlerts: true,
        }
      : {},
  requests: (props) => proxyConsumers(props),
  releases: (props) => [linkerdCrdsRelease(), linkerdCniRelease(props), linkerdControlPlaneRelease(props)],
  build: (scope, props) => new MeshChart(scope, 'mesh', props),
});
