/**
 * The charts render against @edge-ai/inference-contract (metric names, paths, model folder format) while the
 * sites run the image tag in lib/model/versions.ts. The two are one version: a contract change without a server
 * release (or a tag bump without the contract it was built from) fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OWN_IMAGES } from '../../lib/model/versions';
import { REPO_ROOT } from './helpers';

const json = (file: string) => JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8'));
const contract = json('packages/inference-contract/package.json');
const server = json('server/package.json');
const lock = json('package-lock.json');

describe('inference contract version = server version = image tag the sites run', () => {
  it('the image tag the charts render is the contract version', () => {
    expect(OWN_IMAGES.inferenceServer.tag).toBe(contract.version);
  });

  it('the server is built from exactly that contract version and carries the same version', () => {
    expect(server.dependencies['@edge-ai/inference-contract']).toBe(contract.version);
    expect(server.version).toBe(contract.version);
  });

  it('the lockfile agrees (npm ci installs the workspace the tests ran against)', () => {
    expect(lock.packages['packages/inference-contract'].version).toBe(contract.version);
    expect(lock.packages['server'].dependencies['@edge-ai/inference-contract']).toBe(contract.version);
  });
});
