/**
 * `npm run images:verify`: every image the platform renders exists in its registry for the architectures the
 * pin promises, and its multi-arch index digest is recorded (images.lock.json), so a re-published tag shows up
 * as a diff. Speaks the OCI distribution API with anonymous bearer tokens (Docker Hub, ghcr.io, nvcr.io, quay.io
 * all answer a 401 with the token realm). `fetch` is injected so the logic is tested without a network.
 */
export interface ImageToVerify {
  /** `registry/repository` as rendered, e.g. `ollama/ollama` or `ghcr.io/org/name`. */
  readonly repository: string;
  readonly tag: string;
  readonly architectures: readonly string[];
}

export interface VerifiedImage {
  readonly image: string;
  /** Index (or single manifest) digest of the tag. */
  readonly digest: string;
  readonly architectures: readonly string[];
}

export type Verdict = { readonly ok: true; readonly image: VerifiedImage } | { readonly ok: false; readonly image: string; readonly problem: string; readonly unreachable: boolean };

type Fetch = (url: string, init?: { headers?: Record<string, string>; method?: string }) => Promise<Response>;

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** `ollama/ollama` → registry-1.docker.io + `ollama/ollama`; `nginx` → `library/nginx`; `ghcr.io/a/b` → ghcr.io + `a/b`. */
export function splitImage(repository: string): { host: string; path: string } {
  const first = repository.split('/')[0];
  if (repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { host: first === 'docker.io' ? 'registry-1.docker.io' : first, path: repository.slice(first.length + 1) };
  }
  return { host: 'registry-1.docker.io', path: repository.includes('/') ? repository : `library/${repository}` };
}

/** An anonymous pull token from the realm a registry names in its 401, or undefined when it needs none. */
async function token(fetchFn: Fetch, host: string, path: string): Promise<string | undefined> {
  const probe = await fetchFn(`https://${host}/v2/`);
  if (probe.status !== 401) return undefined;
  const challenge = probe.headers.get('www-authenticate') ?? '';
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!params.realm) return undefined;
  const url = `${params.realm}?${params.service ? `service=${encodeURIComponent(params.service)}&` : ''}scope=${encodeURIComponent(`repository:${path}:pull`)}`;
  const r = await fetchFn(url);
  if (!r.ok) throw new Error(`token request to ${params.realm} answered ${r.status}`);
  const body = (await r.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token;
}

export async function verifyImage(fetchFn: Fetch, image: ImageToVerify): Promise<Verdict> {
  const name = `${image.repository}:${image.tag}`;
  const { host, path } = splitImage(image.repository);
  try {
    const bearer = await token(fetchFn, host, path);
    const headers: Record<string, string> = { Accept: ACCEPT, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) };
    const r = await fetchFn(`https://${host}/v2/${path}/manifests/${image.tag}`, { headers });
    if (r.status === 404) return { ok: false, image: name, problem: `tag ${image.tag} does not exist in ${host}/${path}`, unreachable: false };
    if (!r.ok) return { ok: false, image: name, problem: `${host} answered ${r.status} for the manifest`, unreachable: false };
    const digest = r.headers.get('docker-content-digest') ?? '';
    const body = (await r.json()) as { manifests?: { platform?: { architecture?: string; os?: string } }[] };
    // A single-platform manifest carries no platform list: it cannot prove more than one architecture.
    const archs = [...new Set((body.manifests ?? []).filter((m) => m.platform?.os === 'linux').map((m) => m.platform!.architecture!))].sort();
    const missing = image.architectures.filter((a) => !archs.includes(a));
    if (missing.length) return { ok: false, image: name, problem: `has no linux/${missing.join(', linux/')} image (index lists ${archs.join(', ') || 'no platforms'})`, unreachable: false };
    return { ok: true, image: { image: name, digest, architectures: archs } };
  } catch (err) {
    return { ok: false, image: name, problem: `${host} is not reachable (${(err as Error).message})`, unreachable: true };
  }
}

export async function verifyImages(fetchFn: Fetch, images: readonly ImageToVerify[]): Promise<Verdict[]> {
  const out: Verdict[] = [];
  for (const i of images) out.push(await verifyImage(fetchFn, i));
  return out;
}
