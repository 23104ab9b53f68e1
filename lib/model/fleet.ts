/**
 * The fleet config (`fleet.yaml` at the top of the repository): what is not a fact of one site. The Git
 * repository and revision Argo CD syncs, the registry the project's own images are published to, the registry
 * mirrors every K3s node uses (a site may override them), the hub endpoints, the alert receiver default.
 * docs/decisions/0018-fleet-config.md draws the line between fleet and site facts.
 *
 * Charts receive it through the catalogue (lib/model/site.ts Catalog.fleet); Terraform reads the same file with
 * `yamldecode` (terraform/modules/inventory). Nothing else spells these values: fork the repository and edit
 * fleet.yaml to run your own fleet.
 *
 * Every object is strict (unknown keys are errors) and every URL is checked for credentials: the file is
 * committed, so a password in a URL would be published. Credentials live in Secrets (see the messages).
 */
import { z } from 'zod';

/**
 * Query parameters that carry a secret (`?token=…`, `?X-Amz-Signature=…`, `?api_key=…`). Matched on the
 * parameter name, case-insensitively.
 */
const SECRET_QUERY = /(^|[-_.])(token|key|apikey|api_key|secret|password|passwd|pwd|sig|signature|auth|credential|credentials)$/i;

/**
 * Why a URL must not be committed: it carries a user name with a password (`https://user:pass@host`), a bare
 * token as user name (`https://ghp_xxx@github.com`), or a secret query parameter. `undefined` when it is clean.
 * The `git` user of an SSH Git URL (`ssh://git@host/…`, `git@host:…`) is a convention, not a secret.
 */
export function urlCredentials(url: string): string | undefined {
  const scp = /^([^@/:]+)@[^:/]+:/.exec(url);
  if (scp) return scp[1] === 'git' ? undefined : `carries the user name "${scp[1]}"`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.password) return 'carries a password';
  if (u.username && !(u.protocol === 'ssh:' && u.username === 'git')) return 'carries a user name or token';
  for (const name of u.searchParams.keys()) if (SECRET_QUERY.test(name)) return `carries the secret query parameter "${name}"`;
  return undefined;
}

/** `host[:port]` of an OCI registry as image references spell it (`ghcr.io`, `registry.lan:5000`, `docker.io`). */
export const REGISTRY_HOST = /^(localhost|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+)(:[1-9]\d{0,4})?$/;
/** A registry plus an optional namespace path (`ghcr.io/my-org`), no scheme, no tag. */
const REGISTRY_PATH = /^(localhost|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+)(:[1-9]\d{0,4})?(\/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$/;

/** `https://user:secret@host/?token=x` → `https://user:***@host/?token=***`: error messages never echo a secret. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, (_, scheme: string, user: string) => `${scheme}${user.includes(':') ? `${user.split(':')[0]}:***` : '***'}@`)
    .replace(/([?&])([^=&#]+)=([^&#]*)/g, (m, sep: string, name: string) => (SECRET_QUERY.test(name) ? `${sep}${name}=***` : m));
}

/** Issue params of a URL with credentials: lib/model/load.ts turns them into a message with the Secret-based fix. */
export interface CredentialsIssue {
  readonly credentials: true;
  /** Where the credentials belong instead. */
  readonly fix: string;
}

const noCredentials = (fix: string) => (url: string, ctx: z.core.$RefinementCtx<string>) => {
  const why = urlCredentials(url);
  if (why) ctx.addIssue({ code: 'custom', message: why, params: { credentials: true, fix } satisfies CredentialsIssue });
};

/** An http(s) URL without credentials. */
function httpUrl(secretFix: string) {
  return z
    .string()
    .max(2048)
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol) && new URL(u).hostname !== '', 'must be an http:// or https:// URL such as https://hub.example.com:4318')
    .superRefine(noCredentials(secretFix));
}

/** An https URL without credentials: a hub endpoint, reached over the WAN. */
function hubUrl(secretFix: string) {
  return httpUrl(secretFix).refine((u) => new URL(u).protocol === 'https:', 'use the https:// endpoint of the hub (over http:// the sites\' telemetry and its credentials would cross the WAN in clear text)');
}

const ARGOCD_REPO_SECRET =
  'remove them and give Argo CD the credentials in a Secret labelled argocd.argoproj.io/secret-type: repository (or repo-creds) in the argocd namespace';

const git = z
  .object({
    repoURL: z
      .string()
      .max(2048)
      .regex(
        /^(https:\/\/[^\s"'\\]+|ssh:\/\/[^\s"'\\]+|[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:[^\s"'\\]+)$/,
        'must be a Git URL Argo CD can clone: https://host/org/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git',
      )
      .superRefine(noCredentials(ARGOCD_REPO_SECRET))
      .describe('Git repository Argo CD syncs the rendered dist/ from (your fork). No credentials: Argo CD reads them from a repository Secret.'),
    targetRevision: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[A-Za-z0-9._/-]+$/, 'must be a branch, tag or commit such as "main" or "v1.2.0" (letters, digits, ".", "_", "/", "-"); never HEAD of an unnamed ref')
      .refine((r) => r !== 'HEAD', 'must name a branch, tag or commit: HEAD follows whatever the default branch is')
      .describe('Branch, tag or commit Argo CD tracks.'),
    webURL: httpUrl('use the public address of the repository')
      .optional()
      .describe('Browsable address of the repository, for the runbook links of alerts (<webURL>/blob/<targetRevision>/docs/runbooks/…). @default repoURL without ".git" when repoURL is https'),
  })
  .strict();

const images = z
  .object({
    registry: z
      .string()
      .max(255)
      .regex(REGISTRY_PATH, 'must be a registry host with an optional namespace, lowercase, no scheme and no tag, such as ghcr.io/my-org or registry.lan:5000/edge')
      .describe('Registry (and namespace) the project\'s own images are published to and pulled from: <registry>/inference-server:<version>.'),
  })
  .strict();

const mirror = z
  .object({
    endpoints: z
      .array(
        httpUrl('use a mirror without authentication, or put the credentials into the node-local K3s registries configuration outside Git (docs/decisions/0019-registry-mirrors.md)'),
      )
      .max(10)
      .default([])
      .describe('Mirror endpoints, tried in order before the registry itself (containerd always falls back to the upstream last). [] = upstream only, shared between nodes by the embedded mirror.'),
  })
  .strict();

const mirrors = z
  .record(z.string().regex(REGISTRY_HOST, 'must be a registry host such as docker.io, ghcr.io or registry.lan:5000 (no scheme, no path, no "*")'), mirror)
  .describe('Registry host → mirror endpoints, rendered into /etc/rancher/k3s/registries.yaml `mirrors` on every node.');

/** The `mirrors` of registries.yaml: registry host → endpoints. Fleet default, and a site's override. */
export const RegistryMirrorsSchema = mirrors;
export type RegistryMirrors = z.infer<typeof mirrors>;

const registries = z
  .object({
    mirrors: mirrors
      .default({})
      .describe('Fleet default mirrors. A site file overrides single registries (registries.mirrors in sites/<site>.yaml). List every registry the sites pull from: the embedded peer-to-peer mirror shares only listed registries.'),
  })
  .strict();

const hub = z
  .object({
    otlpEndpoint: hubUrl('send the credentials as an OTLP header from a Secret (the collector\'s headers setting), never in the URL')
      .optional()
      .describe('OTLP/HTTP endpoint of the hub for traces and logs, e.g. https://otlp.hub.example.com:4318. @default none'),
    prometheusRemoteWriteUrl: hubUrl('use monitoring.remoteWriteSecretName in the site file (a Secret with basic-auth username and password)')
      .optional()
      .describe('Prometheus remote_write URL of the hub. @default none'),
    retentionDays: z
      .object({
        metrics: z.number().int().min(1).max(3650).default(30).describe('Days the hub Prometheus keeps the sites\' metrics. @default 30'),
        logs: z.number().int().min(1).max(3650).default(14).describe('Days Loki keeps the sites\' logs. @default 14'),
        traces: z.number().int().min(1).max(3650).default(7).describe('Days Tempo keeps the sites\' traces. @default 7'),
      })
      .strict()
      .default({ metrics: 30, logs: 14, traces: 7 })
      .describe('Retention at the hub. @default { metrics: 30, logs: 14, traces: 7 }'),
  })
  .strict();

const receiver = z
  .object({
    type: z.enum(['none', 'webhook', 'slack', 'pagerduty']),
    secretName: z
      .string()
      .max(63)
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (the name of a Secret)')
      .optional()
      .describe('Secret in each site\'s monitoring namespace holding the receiver URL/key (never inline).'),
    secretKey: z.string().min(1).default('url').describe('Key in that Secret. @default url'),
  })
  .strict();

const alerting = z
  .object({
    defaultReceiver: receiver
      .default({ type: 'none', secretKey: 'url' })
      .describe('Alertmanager receiver of every site whose file sets no layers.monitoring.receiver. @default { type: none }'),
    hubReceiver: receiver
      .optional()
      .describe(
        "Receiver of the hub Alertmanager: the fleet alerts (SiteNotReporting, FleetRingErrorBudgetBurn, CanarySiteUnhealthy) for the platform team; its Secret lives in the hub's monitoring namespace. @default defaultReceiver",
      ),
  })
  .strict();

export const FleetSchema = z
  .object({
    git: git.describe('Where Argo CD (and the Terraform root Applications) find the rendered output.'),
    images: images,
    registries: registries.default({ mirrors: {} }),
    hub: hub.default({ retentionDays: { metrics: 30, logs: 14, traces: 7 } }).describe('Fleet-level endpoints at the hub (optional; used by the observability layer).'),
    alerting: alerting.default({ defaultReceiver: { type: 'none', secretKey: 'url' } }),
  })
  .strict();

/** The validated fleet config with every default resolved. */
export type Fleet = z.infer<typeof FleetSchema>;
export type ReceiverDefault = Fleet['alerting']['defaultReceiver'];
/** An Alertmanager receiver as fleet.yaml and the site files write it (type, Secret name and key). */
export type Receiver = ReceiverDefault;

/** The project's own images are pulled from `<fleet images.registry>/<name>`. */
export function ownImageRepository(fleet: Pick<Fleet, 'images'>, name: string): string {
  return `${fleet.images.registry}/${name}`;
}

/** Browsable address for links into the repository (runbooks): webURL, else the https repoURL without `.git`. */
export function repositoryWebURL(g: Fleet['git']): string | undefined {
  if (g.webURL) return g.webURL.replace(/\/+$/, '');
  return g.repoURL.startsWith('https://') ? g.repoURL.replace(/\.git$/, '').replace(/\/+$/, '') : undefined;
}
