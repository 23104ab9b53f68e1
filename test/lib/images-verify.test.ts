/** images:verify against a fake OCI registry (no network): token dance, index platforms, missing tag/arch, unreachable. */
import { splitImage, verifyImage } from '../../tools/images/verify';

function registry(manifests: Record<string, { status: number; body?: unknown; digest?: string }>) {
  return async (url: string, init?: { headers?: Record<string, string> }): Promise<Response> => {
    if (url.endsWith('/v2/')) return new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="registry.example"' } });
    if (url.startsWith('https://auth.example/token')) {
      expect(url).toContain('scope=repository%3A');
      return new Response(JSON.stringify({ token: 't0k' }), { status: 200 });
    }
    expect(init?.headers?.Authorization).toBe('Bearer t0k');
    const m = manifests[url];
    if (!m) return new Response('', { status: 404 });
    return new Response(JSON.stringify(m.body), { status: m.status, headers: { 'docker-content-digest': m.digest ?? '' } });
  };
}

const index = (...archs: string[]) => ({ manifests: archs.map((architecture) => ({ platform: { os: 'linux', architecture } })) });

describe('images:verify', () => {
  it('maps image names to registries as containerd does', () => {
    expect(splitImage('ollama/ollama')).toEqual({ host: 'registry-1.docker.io', path: 'ollama/ollama' });
    expect(splitImage('nginx')).toEqual({ host: 'registry-1.docker.io', path: 'library/nginx' });
    expect(splitImage('ghcr.io/edge-ai-gitops/inference-server')).toEqual({ host: 'ghcr.io', path: 'edge-ai-gitops/inference-server' });
  });

  it('accepts a multi-arch index and records its digest', async () => {
    const fetchFn = registry({ 'https://ghcr.io/v2/o/s/manifests/1.0': { status: 200, body: index('amd64', 'arm64'), digest: 'sha256:abc' } });
    expect(await verifyImage(fetchFn, { repository: 'ghcr.io/o/s', tag: '1.0', architectures: ['amd64', 'arm64'] })).toEqual({
      ok: true,
      image: { image: 'ghcr.io/o/s:1.0', digest: 'sha256:abc', architectures: ['amd64', 'arm64'] },
    });
  });

  it('refuses a tag that does not exist and an index without a promised architecture', async () => {
    const fetchFn = registry({ 'https://ghcr.io/v2/o/s/manifests/1.0': { status: 200, body: index('amd64') } });
    expect(await verifyImage(fetchFn, { repository: 'ghcr.io/o/s', tag: '1.0', architectures: ['amd64', 'arm64'] })).toMatchObject({ ok: false, problem: expect.stringContaining('no linux/arm64') });
    expect(await verifyImage(fetchFn, { repository: 'ghcr.io/o/s', tag: '9.9', architectures: ['amd64'] })).toMatchObject({ ok: false, problem: 'tag 9.9 does not exist in ghcr.io/o/s', unreachable: false });
  });

  it('says when the registry is not reachable', async () => {
    const offline = async (): Promise<Response> => {
      throw new Error('getaddrinfo ENOTFOUND');
    };
    expect(await verifyImage(offline, { repository: 'ollama/ollama', tag: '0.34.2', architectures: ['amd64'] })).toMatchObject({ ok: false, unreachable: true, problem: expect.stringContaining('not reachable') });
  });
});
