/** Factory-floor (Falco on) rendered once per test file, and helpers to read the Falco release from it. */
import { helmApplications, HelmApplication } from '../../tools/helm/releases';
import { buildSite, BuiltSite, K8sObject, sampleSite } from '../helpers';
import { FALCO_RELEASE } from '../../charts/falco/names';

export function falcoApplication(built: BuiltSite): HelmApplication | undefined {
  return helmApplications(built.layers.gitops ?? []).find((a) => a.releaseName === FALCO_RELEASE);
}

/** The Falco Application's `valuesObject` of a rendered site. */
export function falcoValues(built: BuiltSite): Record<string, unknown> {
  const app = falcoApplication(built);
  if (!app) throw new Error('the site renders no Falco Application');
  return app.values;
}

export function factoryFloor(): BuiltSite {
  return buildSite(sampleSite('factory-floor'));
}

export type { K8sObject };
