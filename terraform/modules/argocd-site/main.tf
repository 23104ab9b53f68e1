# Argo CD core at a pull-mode site, pointed at the site's own rendered folder.
#
# How it is installed without a Kubernetes or Helm provider: K3s deploys every manifest placed in
# /var/lib/rancher/k3s/server/manifests, and its bundled Helm controller installs a chart described by a
# `HelmChart` object (helm.cattle.io/v1). Terraform writes two files there over SSH:
#   1. edge-ai-argocd.yaml: the HelmChart of the pinned argo-cd chart with the contract's pull-mode values
#      (application controller, repo server and redis only);
#   2. edge-ai-argocd-root.yaml: the `edge-bootstrap` AppProject and the root Application, written only once the
#      chart's CRDs are established (K3s applies manifests in no particular order).
# The root Application is the `gitops` layer Application of charts/gitops/application.ts (rendered into
# generated.json with placeholders): it syncs dist/<site>/gitops.k8s.yaml, which holds the site's own project,
# one Application per layer and Argo CD's NetworkPolicies. After that, the site updates itself from Git;
# nothing reaches into it.
#
# The argocd namespace: the HelmChart creates it (`helm --create-namespace`: once, without labels), and the
# site's baseline layer adopts it like every namespace a layer declares (Pod Security labels, default-deny,
# limits, quota; Prune=false/Delete=false). Terraform writes nothing into that Namespace object, so the two
# never compete for its labels.
locals {
  manifests_dir = "/var/lib/rancher/k3s/server/manifests"
  namespace     = var.contract.namespace

  # Core mode: the contract's values (no dex, notifications or ApplicationSet controller) plus no API server/UI;
  # the site is operated through Git, and `argocd --core` works over the kubeconfig if someone needs a look.
  helm_values = var.contract.pullHelmValues

  helm_chart = {
    apiVersion = "helm.cattle.io/v1"
    kind       = "HelmChart"
    metadata = {
      name      = "argocd"
      namespace = "kube-system"
    }
    spec = {
      repo            = var.argocd_chart.repository
      chart           = var.argocd_chart.chart
      version         = var.argocd_chart.version
      targetNamespace = local.namespace
      createNamespace = true
      valuesContent   = yamlencode(local.helm_values)
    }
  }

  # The bootstrap project and the root Application of charts/gitops/bootstrap.ts (generated.json), with the
  # placeholders replaced by this site and the repository. The project lets the root create only what
  # dist/<site>/gitops.k8s.yaml holds (the site's project, its Applications, Argo CD's own NetworkPolicies) in
  # the argocd namespace of this cluster, from this repository; everything else is governed by the site's own
  # `edge-site` project. repo_url and target_revision are validated to hold no quote or backslash, so the
  # replacement cannot break the JSON.
  placeholders = var.contract.placeholders
  bootstrap_project = jsondecode(replace(
    jsonencode(var.contract.pullBootstrap.project),
  local.placeholders.repoURL, var.repo_url))
  root_application = jsondecode(
    replace(replace(replace(replace(
      jsonencode(var.contract.pullBootstrap.application),
      local.placeholders.site, var.site_name),
      local.placeholders.ring, tostring(var.ring)),
      local.placeholders.repoURL, var.repo_url),
    local.placeholders.targetRevision, var.target_revision)
  )

  helm_chart_file = yamlencode(local.helm_chart)
  root_file       = join("---\n", [yamlencode(local.bootstrap_project), yamlencode(local.root_application)])

  commands = [
    "set -eu",
    "sudo install -d -m 0700 ${local.manifests_dir}",
    "sudo install -m 0600 -o root -g root /tmp/edge-ai-argocd.yaml ${local.manifests_dir}/edge-ai-argocd.yaml",
    "rm -f /tmp/edge-ai-argocd.yaml",
    # The Helm controller runs the chart install as a Job (pulling images on a Pi takes minutes).
    "timeout 1200 sh -c 'until sudo k3s kubectl get crd applications.argoproj.io appprojects.argoproj.io >/dev/null 2>&1; do sleep 10; done'",
    "sudo k3s kubectl wait --for condition=established --timeout=300s crd/applications.argoproj.io crd/appprojects.argoproj.io",
    "sudo install -m 0600 -o root -g root /tmp/edge-ai-argocd-root.yaml ${local.manifests_dir}/edge-ai-argocd-root.yaml",
    "rm -f /tmp/edge-ai-argocd-root.yaml",
  ]
}

resource "terraform_data" "argocd" {
  triggers_replace = {
    k3s_install = var.k3s_install_id
    helm_chart  = sha256(local.helm_chart_file)
    root        = sha256(local.root_file)
  }

  connection {
    type        = "ssh"
    host        = var.host
    port        = var.ssh_port
    user        = var.ssh_user
    private_key = file(pathexpand(var.ssh_private_key_path))
    timeout     = "5m"
  }

  provisioner "file" {
    content     = local.helm_chart_file
    destination = "/tmp/edge-ai-argocd.yaml"
  }

  provisioner "file" {
    content     = local.root_file
    destination = "/tmp/edge-ai-argocd-root.yaml"
  }

  provisioner "remote-exec" {
    inline = local.commands
  }
}
