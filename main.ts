/**
 * Entry point of `npm run synth` and `npx cdk8s synth`: load and validate the site inventory, render one
 * cdk8s App per site (one Chart per layer) into dist/<site>/<layer>.k8s.yaml, write atomically.
 * All logic lives in lib/synth; this file stays thin.
 */
import { main } from './lib/synth/cli';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
