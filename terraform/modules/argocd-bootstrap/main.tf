# The hub: installs Argo CD with the pinned chart and the contract's values (Progressive Syncs on), registers
# every hub-mode site as a cluster secret, and applies the rendered hub objects (dist/hub/*.k8s.yaml). From
# then on Argo CD syncs the sites; Terraform only changes when a site is added, removed or re-keyed.
locals {
  namespace      = var.contract.namespace
  secret_labels  = var.contract.clusterSecret
  hub_values_yml = yamlencode(var.contract.hubHelmValues)

  # dist/hub files are YAML streams written by lib/synth (documents joined by a "---" line). Every document
  # becomes one kubectl_manifest keyed by kind/namespace/name, which is stable across renders.
  hub_files = sort(tolist(fileset(var.hub_manifests_dir, "*.k8s.yaml")))
  hub_documents = flatten([
    for f in local.hub_files : [
      for doc in split("\n---\n", file("${var.hub_manifests_dir}/${f}")) : yamldecode(doc) if trimspace(doc) != ""
    ]
  ])
  hub_objects = {
    for o in local.hub_documents : "${o.kind}/${try(o.metadata.namespace, "")}/${o.metadata.name}" => o
  }

  # One cluster secret per hub site, exactly as lib/argocd/contract.ts (clusterSecretLabels, clusterSecretData)
  # describes it: the hub ApplicationSets select clusters by these labels.
  cluster_secrets = {
    for name, s in var.hub_sites : name => {
      name = "cluster-${name}"
      labels = {
        (local.secret_labels.typeLabel)       = local.secret_labels.type
        (local.secret_labels.siteLabel)       = name
        (local.secret_labels.ringLabel)       = tostring(s.ring)
        (local.secret_labels.regionLabel)     = s.region
        (local.secret_labels.gitopsModeLabel) = "hub"
      }
      data = {
        name    = name
        server  = s.server
        project = local.secret_labels.project
      }
    }
  }
}

resource "helm_release" "argocd" {
  name             = "argocd"
  namespace        = local.namespace
  create_namespace = true
  repository       = var.argocd_chart.repository
  chart            = var.argocd_chart.chart
  version          = var.argocd_chart.version
  values           = concat([local.hub_values_yml], var.extra_helm_values)
  wait             = true
  timeout          = 900
}

resource "kubernetes_secret_v1" "cluster" {
  for_each = local.cluster_secrets

  metadata {
    name      = each.value.name
    namespace = local.namespace
    labels    = each.value.labels
  }

  # Argo CD reads `config` as JSON; caData/certData/keyData are base64 PEM, the same encoding as a kubeconfig.
  data = merge(each.value.data, {
    config = jsonencode({
      tlsClientConfig = {
        insecure = false
        caData   = var.cluster_credentials[each.key].ca_data
        certData = var.cluster_credentials[each.key].cert_data
        keyData  = var.cluster_credentials[each.key].key_data
      }
    })
  })

  lifecycle {
    precondition {
      condition     = contains(keys(var.cluster_credentials), each.key)
      error_message = "No credentials for hub site ${each.key}: cluster_credentials must have an entry for every hub_sites key."
    }
  }

  depends_on = [helm_release.argocd]
}

resource "kubectl_manifest" "hub" {
  for_each = local.hub_objects

  yaml_body = yamlencode(each.value)
  # Server-side apply under its own field manager: the objects are large (ApplicationSet templates) and Argo CD
  # may later own fields of the same objects without the two fighting over last-applied annotations.
  server_side_apply = true
  field_manager     = "edge-ai-terraform"
  force_conflicts   = true
  wait_for_rollout  = false

  # The CRDs come with the chart; the cluster secrets must exist before the generators look for clusters.
  depends_on = [helm_release.argocd, kubernetes_secret_v1.cluster]
}
