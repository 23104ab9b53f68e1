# The hub: installs Argo CD with the pinned chart and the contract's values (Progressive Syncs on), registers
# every hub-mode site as a cluster secret, and creates the bootstrap project and the root Applications of
# charts/gitops/bootstrap.ts (via generated.json). The roots sync dist/hub from Git: a new ring, sync window or
# site reaches the hub with the commit, not with the next `terraform apply`. Terraform only changes when a
# site is added, removed or re-keyed, or Argo CD is upgraded.
locals {
  namespace      = var.contract.namespace
  secret_labels  = var.contract.clusterSecret
  hub_values_yml = yamlencode(var.contract.hubHelmValues)

  # The bootstrap objects with the repository placeholders replaced (an environment may point the hub at a
  # fork or a branch). repo_url and target_revision are validated to hold no quote or backslash, so the
  # replacement cannot break the JSON.
  bootstrap    = var.contract.hubBootstrap
  placeholders = var.contract.placeholders
  bootstrap_project = jsondecode(replace(replace(
    jsonencode(local.bootstrap.project),
    local.placeholders.repoURL, var.repo_url),
  local.placeholders.targetRevision, var.target_revision))
  # edge-hub (dist/hub/*.k8s.yaml: projects, ApplicationSets) and, unless turned off, edge-hub-monitoring
  # (dist/hub/monitoring/*.k8s.yaml into the hub's monitoring namespace).
  root_applications = {
    for name, app in local.bootstrap.applications : name => jsondecode(replace(replace(
      jsonencode(app),
      local.placeholders.repoURL, var.repo_url),
    local.placeholders.targetRevision, var.target_revision))
    if var.hub_monitoring || name != local.bootstrap.monitoringApplication
  }

  # One cluster secret per hub site, exactly as charts/gitops/contract.ts (clusterSecretLabels, clusterSecretData)
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

# The bootstrap project first, then the roots (an Application whose project does not exist yet only shows an
# error until it does, but the order keeps the first sync clean). Server-side apply under Terraform's own field
# manager: the Application controller writes status and operation fields of the roots; neither side owns the
# other's fields. No finalizer on the roots: `terraform destroy` removes the roots, never what they synced.
resource "kubectl_manifest" "bootstrap_project" {
  yaml_body         = yamlencode(local.bootstrap_project)
  server_side_apply = true
  field_manager     = "edge-ai-terraform"
  force_conflicts   = true
  wait_for_rollout  = false

  # The AppProject CRD comes with the chart.
  depends_on = [helm_release.argocd]
}

resource "kubectl_manifest" "root" {
  for_each = local.root_applications

  yaml_body         = yamlencode(each.value)
  server_side_apply = true
  field_manager     = "edge-ai-terraform"
  force_conflicts   = true
  wait_for_rollout  = false

  # The cluster secrets exist before the ApplicationSets (synced by edge-hub) look for clusters.
  depends_on = [kubectl_manifest.bootstrap_project, kubernetes_secret_v1.cluster]
}

# Earlier versions of this module applied every document of dist/hub/*.k8s.yaml as kubectl_manifest.hub. The
# edge-hub root Application now owns those objects (AppProjects, ApplicationSets) and adopts them on its first
# sync; forgetting them here instead of destroying them keeps the ApplicationSets, and with them every
# generated Application, in place across the upgrade.
removed {
  from = kubectl_manifest.hub

  lifecycle {
    destroy = false
  }
}
