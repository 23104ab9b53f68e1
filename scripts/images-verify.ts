/**
 * `npm run images:verify`: checks that every pinned image exists for the architectures it promises and records
 * the digests in images.lock.json (tools/images/verify.ts). Needs the registries (Docker Hub, ghcr.io, nvcr.io):
 * where none is reachable it says so and exits 2 without touching images.lock.json; CI's images job runs it.
 */
import { writeFileSync } from 'node:fs';
import { loadFleet } from '../lib/model/load';
import { ownImageRepository } from '../lib/model/fleet';
import { IMAGES, OWN_IMAGES } from '../lib/model/versions';
import { ImageToVerify, verifyImages } from '../tools/images/verify';

async function main(): Promise<number> {
  const fleet = loadFleet('fleet.yaml');
  const images: ImageToVerify[] = [
    ...Object.values(IMAGES).map((i) => ({ repository: i.repository, tag: i.tag, architectures: i.architectures })),
    ...Object.values(OWN_IMAGES).map((i) => ({ repository: ownImageRepository(fleet, i.name), tag: i.tag, architectures: i.architectures })),
  ];
  const verdicts = await verifyImages((url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(15_000) }), images);
  for (const v of verdicts) console.log(v.ok ? `ok    ${v.image.image} ${v.image.digest} (${v.image.architectures.join(', ')})` : `FAIL  ${v.image}: ${v.problem}`);
  if (verdicts.every((v) => !v.ok && v.unreachable)) {
    console.error('images:verify: no registry is reachable from this machine, so nothing was verified and images.lock.json is unchanged. Run it where Docker Hub, ghcr.io and nvcr.io are reachable (the images job of .github/workflows/ci.yaml does).');
    return 2;
  }
  if (verdicts.some((v) => !v.ok)) return 1;
  const lock = Object.fromEntries(verdicts.map((v) => (v.ok ? [v.image.image, { digest: v.image.digest, architectures: v.image.architectures }] : [])));
  writeFileSync('images.lock.json', `${JSON.stringify(lock, null, 2)}\n`);
  console.log('images:verify: all images exist for their architectures; digests written to images.lock.json');
  return 0;
}

main().then((code) => process.exit(code));
