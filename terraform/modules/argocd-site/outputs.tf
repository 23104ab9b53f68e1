output "root_application" {
  description = "The root Application written to the site (name, project, source path and include), for review in plans."
  value = {
    name    = local.root_application.metadata.name
    project = local.root_application.spec.project
    path    = local.root_application.spec.source.path
    include = local.root_application.spec.source.directory.include
  }
}

output "manifests" {
  description = "The files written into the K3s manifests folder of the site's first server, keyed by file name."
  value = {
    "edge-ai-argocd.yaml"      = local.helm_chart_file
    "edge-ai-argocd-root.yaml" = local.root_file
  }
}
