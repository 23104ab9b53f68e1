/**
 * Where a site's telemetry goes: the fleet's hub (docs/monitoring.md "Telemetry flow"). ONE function reads the
 * fleet-level hub settings, so pointing it at `fleet.yaml` (issue 12) changes nothing else: every chart reads
 * the resolved value from the monitoring layer's props.
 */
import { InputError } from '../../lib/model/errors';
import { MISSING } from '../../lib/model/errors';
import { HubSettings, SiteContext } from '../../lib/model/site';

/** Where the hub settings come from, for error messages. */
const FLEET_FILE = 'fleet.yaml';

/** Endpoints of the hub as a site uses them (port resolved for the NetworkPolicies). */
export interface HubEndpoints {
  /** OTLP/HTTP base URL (the exporter appends /v1/traces, /v1/logs). */
  readonly otlpEndpoint: string;
  readonly otlpPort: number;
  readonly remoteWriteUrl: string;
  readonly remoteWritePort: number;
}

function port(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * The hub settings of the fleet (fleet.yaml `hub:`), or `undefined` when the fleet has no hub (neither endpoint
 * set). A hub with only one of its two endpoints is an input error: a site would ship half its telemetry.
 */
export function resolveHubSettings(ctx: Pick<SiteContext, 'catalog'>): HubSettings | undefined {
  const { otlpEndpoint, prometheusRemoteWriteUrl, retentionDays } = ctx.catalog.fleet.hub;
  const { hubReceiver, defaultReceiver } = ctx.catalog.fleet.alerting;
  if (!otlpEndpoint && !prometheusRemoteWriteUrl) return undefined;
  if (!otlpEndpoint || !prometheusRemoteWriteUrl) {
    const missing = otlpEndpoint ? 'hub.prometheusRemoteWriteUrl' : 'hub.otlpEndpoint';
    throw new InputError(FLEET_FILE, missing, MISSING, 'is required when the fleet has a hub (the other hub endpoint is set)', 'set both hub.otlpEndpoint and hub.prometheusRemoteWriteUrl, or neither (a fleet without a hub)');
  }
  return { otlpEndpoint, prometheusRemoteWriteUrl, retentionDays, receiver: hubReceiver ?? defaultReceiver };
}

/** The hub endpoints a site sends to (`undefined`: no hub, the site keeps its telemetry to itself). */
export function resolveHubEndpoints(ctx: Pick<SiteContext, 'catalog'>): HubEndpoints | undefined {
  const hub = resolveHubSettings(ctx);
  return hub ? hubEndpoints(hub) : undefined;
}

/**
 * The ports the NetworkPolicies open for the hub endpoints. The URLs were checked when fleet.yaml was loaded
 * (lib/model/fleet.ts: https, no credentials).
 */
export function hubEndpoints(hub: HubSettings): HubEndpoints {
  const otlp = new URL(hub.otlpEndpoint);
  const rw = new URL(hub.prometheusRemoteWriteUrl);
  return { otlpEndpoint: hub.otlpEndpoint.replace(/\/$/, ''), otlpPort: port(otlp), remoteWriteUrl: hub.prometheusRemoteWriteUrl, remoteWritePort: port(rw) };
}
