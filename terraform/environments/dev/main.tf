# Dev: one site, one node. The chosen site's first node becomes a single-node K3s cluster. A hub-mode site gets
# the full Argo CD (it is its own hub: registered under its site name, root Applications syncing dist/hub); a
# pull-mode site gets Argo CD core and its root Application, exactly as in prod.
locals {
  repo_root = "${path.root}/../../.."
}

module "inventory" {
  source     = "../../modules/inventory"
  sites_dir  = "${local.repo_root}/sites"
  fleet_file = "${local.repo_root}/fleet.yaml"
}

locals {
  site     = module.inventory.sites[var.site]
  platform = module.inventory.platform
  # One node: the server that would initialise the real cluster.
  nodes = slice(local.site.nodes, 0, 1)
  # Filtered `for` rather than a conditional: the branches of a conditional must have the same type.
  hub  = { for name, s in { (var.site) = local.site } : name => s if s.gitops_mode == "hub" }
  pull = { for name, s in { (var.site) = local.site } : name => s if s.gitops_mode == "pull" }
  mesh = { for name, s in { (var.site) = local.site } : name => s if s.mesh }
}

module "cluster" {
  source = "../../modules/k3s-cluster"

  site_name            = var.site
  k3s_version          = local.site.k3s_version
  nodes                = local.nodes
  node_labels          = module.inventory.node_labels
  capacity_reserve     = module.inventory.capacity_reserve
  registry_mirrors     = local.site.registry_mirrors
  embedded_registry    = local.site.embedded_registry
  ssh_user             = var.ssh_user
  ssh_private_key_path = var.ssh_private_key_path
  ssh_port             = var.ssh_port
}

# The dev cluster is its own hub: the providers reach it with the credentials read back from K3s. They are
# only known after the cluster exists; the providers connect lazily, so one `terraform apply` works (if a
# provider complains on the very first plan, run `terraform apply -target=module.cluster` once).
provider "helm" {
  kubernetes = {
    host                   = module.cluster.api_server_url
    cluster_ca_certificate = base64decode(module.cluster.credentials.ca_data)
    client_certificate     = base64decode(module.cluster.credentials.cert_data)
    client_key             = base64decode(module.cluster.credentials.key_data)
  }
}

provider "kubernetes" {
  host                   = module.cluster.api_server_url
  cluster_ca_certificate = base64decode(module.cluster.credentials.ca_data)
  client_certificate     = base64decode(module.cluster.credentials.cert_data)
  client_key             = base64decode(module.cluster.credentials.key_data)
}

provider "kubectl" {
  host                   = module.cluster.api_server_url
  cluster_ca_certificate = base64decode(module.cluster.credentials.ca_data)
  client_certificate     = base64decode(module.cluster.credentials.cert_data)
  client_key             = base64decode(module.cluster.credentials.key_data)
  load_config_file       = false
}

module "argocd" {
  source   = "../../modules/argocd-bootstrap"
  for_each = local.hub

  argocd_chart    = module.inventory.argocd_chart
  contract        = module.inventory.argocd_contract
  repo_url        = coalesce(var.repo_url, local.platform.repoURL)
  target_revision = coalesce(var.target_revision, local.platform.targetRevision)
  # The dev cluster's own monitoring layer brings the Prometheus Operator stack the hub monitoring root needs.
  hub_monitoring = var.hub_monitoring

  hub_sites = {
    (each.key) = {
      ring   = each.value.ring
      region = each.value.region
      server = module.cluster.api_server_url
    }
  }
  cluster_credentials = { (each.key) = module.cluster.credentials }
}

module "argocd_site" {
  source   = "../../modules/argocd-site"
  for_each = local.pull

  site_name            = each.key
  ring                 = each.value.ring
  host                 = local.nodes[0].ip
  ssh_user             = var.ssh_user
  ssh_private_key_path = var.ssh_private_key_path
  ssh_port             = var.ssh_port
  argocd_chart         = module.inventory.argocd_chart
  contract             = module.inventory.argocd_contract
  repo_url             = coalesce(var.repo_url, local.platform.repoURL)
  target_revision      = coalesce(var.target_revision, local.platform.targetRevision)
  k3s_install_id       = module.cluster.install_id
}

# Linkerd identity of the dev site when it enables the mesh (docs/decisions/0029-linkerd-service-mesh.md).
module "linkerd_identity" {
  source   = "../../modules/linkerd-identity"
  for_each = local.mesh

  site_name            = each.key
  host                 = local.nodes[0].ip
  ssh_user             = var.ssh_user
  ssh_private_key_path = var.ssh_private_key_path
  ssh_port             = var.ssh_port
  identity             = module.inventory.linkerd_identity
  k3s_install_id       = module.cluster.install_id
}
