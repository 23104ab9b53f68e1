# Production: every site of sites/*.yaml. Bootstrap order: hardware (in the inventory) -> K3s on every site ->
# Argo CD on the hub (cluster secrets for hub-mode sites, the root Applications that sync dist/hub from Git)
# and Argo CD core on pull-mode sites -> the ApplicationSets roll the rendered layers out ring by ring.
locals {
  repo_root = "${path.root}/../../.."
}

module "inventory" {
  source     = "../../modules/inventory"
  sites_dir  = "${local.repo_root}/sites"
  fleet_file = "${local.repo_root}/fleet.yaml"
}

locals {
  sites      = module.inventory.sites
  platform   = module.inventory.platform
  hub_sites  = { for name, s in local.sites : name => s if s.gitops_mode == "hub" }
  pull_sites = { for name, s in local.sites : name => s if s.gitops_mode == "pull" }
  mesh_sites = { for name, s in local.sites : name => s if s.mesh }
}

module "cluster" {
  source   = "../../modules/k3s-cluster"
  for_each = local.sites

  site_name            = each.key
  k3s_version          = each.value.k3s_version
  nodes                = each.value.nodes
  node_labels          = module.inventory.node_labels
  capacity_reserve     = module.inventory.capacity_reserve
  registry_mirrors     = each.value.registry_mirrors
  embedded_registry    = each.value.embedded_registry
  ssh_user             = var.ssh_user
  ssh_private_key_path = var.ssh_private_key_path
  ssh_port             = var.ssh_port
}

provider "helm" {
  kubernetes = {
    config_path    = pathexpand(var.hub_kubeconfig_path)
    config_context = var.hub_kubeconfig_context
  }
}

provider "kubernetes" {
  config_path    = pathexpand(var.hub_kubeconfig_path)
  config_context = var.hub_kubeconfig_context
}

provider "kubectl" {
  config_path      = pathexpand(var.hub_kubeconfig_path)
  config_context   = var.hub_kubeconfig_context
  load_config_file = true
}

module "argocd" {
  source = "../../modules/argocd-bootstrap"

  argocd_chart      = module.inventory.argocd_chart
  contract          = module.inventory.argocd_contract
  repo_url          = coalesce(var.repo_url, local.platform.repoURL)
  target_revision   = coalesce(var.target_revision, local.platform.targetRevision)
  hub_monitoring    = var.hub_monitoring
  extra_helm_values = var.extra_hub_helm_values

  hub_sites = {
    for name, s in local.hub_sites : name => {
      ring   = s.ring
      region = s.region
      server = module.cluster[name].api_server_url
    }
  }
  cluster_credentials = { for name in keys(local.hub_sites) : name => module.cluster[name].credentials }
}

module "argocd_site" {
  source   = "../../modules/argocd-site"
  for_each = local.pull_sites

  site_name            = each.key
  ring                 = each.value.ring
  host                 = each.value.nodes[0].ip
  ssh_user             = var.ssh_user
  ssh_private_key_path = var.ssh_private_key_path
  ssh_port             = var.ssh_port
  argocd_chart         = module.inventory.argocd_chart
  contract             = module.inventory.argocd_contract
  repo_url             = coalesce(var.repo_url, local.platform.repoURL)
  target_revision      = coalesce(var.target_revision, local.platform.targetRevision)
  k3s_install_id       = module.cluster[each.key].install_id
}

# Linkerd identity (trust anchor + issuer) of every site with layers.mesh.enabled, before Argo CD syncs the
# control plane that reads it (docs/decisions/0029-linkerd-service-mesh.md).
module "linkerd_identity" {
  source   = "../../modules/linkerd-identity"
  for_each = local.mesh_sites

  site_name            = each.key
  host                 = each.value.nodes[0].ip
  ssh_user             = var.ssh_user
  ssh_private_key_path = var.ssh_private_key_path
  ssh_port             = var.ssh_port
  identity             = module.inventory.linkerd_identity
  k3s_install_id       = module.cluster[each.key].install_id
}
