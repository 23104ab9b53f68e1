/**
 * The contract between the mesh layer (charts/mesh) and the layers whose pods it meshes (inference, Ollama):
 * the pod annotation that asks the Linkerd proxy injector for a proxy, and the proxy's inbound port that meshed
 * clients may connect to directly (opaque traffic), which the server's NetworkPolicy must admit from its clients.
 * docs/decisions/0029-linkerd-service-mesh.md.
 */
import { Site } from '../model/schema';

/** Pod-template annotations of a meshed workload (`linkerd.io/inject: enabled`); none when the site runs no mesh. */
export function meshPodAnnotations(meshed: boolean): Record<string, string> {
  return meshed ? { 'linkerd.io/inject': 'enabled' } : {};
}

/** Linkerd proxy inbound port (linkerd-control-plane values `proxy.ports.inbound`). */
export const LINKERD_PROXY_INBOUND_PORT = 4143;

/** Whether the site enables the mesh (`layers.mesh.enabled`, off by default). */
export function meshEnabled(site: Pick<Site, 'layers'>): boolean {
  return site.layers.mesh?.enabled === true;
}
