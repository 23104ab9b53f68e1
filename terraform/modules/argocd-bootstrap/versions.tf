terraform {
  required_version = ">= 1.9.0"

  required_providers {
    # helm_release of the argo-cd chart. Provider 3.x (3.0.2 on releases.hashicorp.com, 3.1.1 the newest
    # release listed on newreleases.io) takes `kubernetes = { ... }` as an attribute, used by the environments.
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.1"
    }
    # kubernetes_secret_v1 for the cluster secrets. 3.0.0 (Dec 2025) deprecated the un-suffixed resource names
    # in favour of the *_v1 ones used here; ~> 3.0.1 stays on 3.0.x, because later 3.x minors shipped
    # breaking changes (3.3.0: label/annotation validation of namespaces).
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 3.0.1"
    }
    # kubectl_manifest for dist/hub: it applies custom resources whose CRDs the argo-cd chart installs in the
    # same apply. kubernetes_manifest cannot, because it reads the CRD schema at plan time
    # (hashicorp/terraform-provider-kubernetes#1367, #2597). 2.1.3 is pinned in public Argo CD bootstraps.
    kubectl = {
      source  = "alekc/kubectl"
      version = "~> 2.1"
    }
  }
}
