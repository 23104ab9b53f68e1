# One K3s cluster per site, installed over SSH from the site's inventory entry.
#
# Why provisioners on terraform_data and not a K3s provider: the community K3s providers/modules either target
# a cloud (they create the machines) or pin their own K3s defaults; here the machines exist (Raspberry Pis and
# NUCs on a shop floor) and the whole configuration must come from sites/<site>.yaml. terraform_data is built
# into Terraform (>= 1.4), so installing K3s needs no third-party code on the path that runs as root.
#
# Configuration is declarative: /etc/rancher/k3s/config.yaml is rendered from templates/config.yaml.tftpl and
# /etc/rancher/k3s/registries.yaml (registry mirrors) from templates/registries.yaml.tftpl; K3s reads both at
# every start. A change to the file or to k3s_version replaces the terraform_data, which
# re-runs the official install script with the pinned INSTALL_K3S_VERSION (an in-place upgrade/restart); so does
# a change to registries.yaml.
# Order: the first server (cluster-init), then the other servers, then the agents.
locals {
  first_server   = var.nodes[0]
  api_server_url = "https://${local.first_server.ip}:6443"

  # The join token lives in its own root-only file, never in config.yaml, so the rendered configuration can
  # be shown in plans and outputs.
  token_file        = "/etc/rancher/k3s/cluster-token"
  staged_config     = "/tmp/edge-ai-k3s-config.yaml"
  staged_registries = "/tmp/edge-ai-k3s-registries.yaml"
  staged_script     = "/tmp/edge-ai-k3s-install.sh"

  # Memory class label for coarse placement: small < 8 GiB <= medium <= 16 GiB < large (a 4 GB Pi is small,
  # an 8 GB Pi medium, a 32 GB NUC large). Charts needing a precise minimum use the memory-gib label.
  memory_class_label = "edge-ai.io/memory-class"
  memory_class = {
    for n in var.nodes : n.name => n.memory_gib < 8 ? "small" : (n.memory_gib <= 16 ? "medium" : "large")
  }

  # Settings every server of the cluster must share (K3s "critical configuration values").
  server_config = {
    "disable"               = ["traefik", "servicelb"]
    "secrets-encryption"    = true
    "write-kubeconfig-mode" = "0600"
  }

  # The kubelet reserves what lib/model/capacity.ts assumes K3s and the OS use, so node allocatable equals the
  # capacity the synth checked. eviction-hard replaces the kubelet's whole default set, so the other three
  # defaults are restated unchanged.
  kubelet_args = {
    for n in var.nodes : n.name => [
      "system-reserved=cpu=${var.capacity_reserve[n.role].cpuMillicores}m,memory=${var.capacity_reserve[n.role].memoryMiB}Mi",
      "eviction-hard=memory.available<${var.capacity_reserve.evictionMemoryMiB}Mi,nodefs.available<10%,imagefs.available<15%,nodefs.inodesFree<5%",
    ]
  }

  # The content of /etc/rancher/k3s/config.yaml per node. Optional parts are added with filtered `for`
  # expressions rather than conditionals, because the two branches of a conditional must have the same type.
  k3s_config = {
    for i, n in var.nodes : n.name => merge(
      {
        "node-name" = n.name
        "node-ip"   = n.ip
        "node-label" = [
          "${var.node_labels.site}=${var.site_name}",
          "${var.node_labels.memoryGiB}=${n.memory_gib}",
          "${local.memory_class_label}=${local.memory_class[n.name]}",
        ]
        "kubelet-arg" = local.kubelet_args[n.name]
        "token-file"  = local.token_file
      },
      { for k, v in local.server_config : k => v if n.role == "server" },
      { for k, v in { "tls-san" = [n.ip] } : k => v if n.role == "server" },
      # A server flag that switches the embedded peer-to-peer mirror on for the whole cluster; every node then
      # shares the registries listed in registries.yaml (below).
      { for k, v in { "embedded-registry" = true } : k => v if n.role == "server" && var.embedded_registry },
      { for k, v in { "cluster-init" = true } : k => v if i == 0 },
      { for k, v in { "server" = local.api_server_url } : k => v if i != 0 },
    )
  }

  config_files = {
    for n in var.nodes : n.name => templatefile("${path.module}/templates/config.yaml.tftpl", {
      site   = var.site_name
      node   = n.name
      config = local.k3s_config[n.name]
    })
  }

  # /etc/rancher/k3s/registries.yaml, the same on every node: the fleet's mirrors with the site's overrides
  # (fleet.yaml registries.mirrors, sites/<site>.yaml registries.mirrors). A registry with no endpoints is
  # listed anyway: containerd then pulls from the registry itself, and the embedded mirror shares its images.
  registries = {
    mirrors = {
      for host, m in var.registry_mirrors : host => { for k, v in { endpoint = m.endpoints } : k => v if length(m.endpoints) > 0 }
    }
  }
  registries_file = templatefile("${path.module}/templates/registries.yaml.tftpl", {
    site       = var.site_name
    registries = local.registries
  })

  # Shell run on each node after its config file is staged. INSTALL_K3S_VERSION pins the release (the script
  # never falls back to a channel when it is set); INSTALL_K3S_EXEC picks the k3s or k3s-agent service. The
  # script is downloaded to a file first: `curl | sh` would hide a failed download behind sh's exit status.
  install_commands = {
    for n in var.nodes : n.name => [
      "set -eu",
      "sudo install -d -m 0755 /etc/rancher/k3s",
      "sudo install -m 0600 -o root -g root ${local.staged_config} /etc/rancher/k3s/config.yaml",
      "rm -f ${local.staged_config}",
      "sudo install -m 0644 -o root -g root ${local.staged_registries} /etc/rancher/k3s/registries.yaml",
      "rm -f ${local.staged_registries}",
      "curl -sfL ${var.install_script_url} -o ${local.staged_script}",
      "sudo INSTALL_K3S_VERSION='${var.k3s_version}' INSTALL_K3S_EXEC='${n.role}' sh ${local.staged_script}",
      "rm -f ${local.staged_script}",
    ]
  }

  token_command = "sudo install -d -m 0755 /etc/rancher/k3s && printf '%s' '${random_password.token.result}' | sudo sh -c 'umask 077 && cat > ${local.token_file}'"

  joining_servers = { for i, n in var.nodes : n.name => n if i != 0 && n.role == "server" }
  agents          = { for n in var.nodes : n.name => n if n.role == "agent" }
}

# The cluster join token: generated once, kept in state (sensitive), written to each node's token file.
resource "random_password" "token" {
  length  = 48
  special = false
}

resource "terraform_data" "first_server" {
  triggers_replace = {
    k3s_version = var.k3s_version
    config      = local.config_files[local.first_server.name]
    registries  = local.registries_file
  }

  connection {
    type        = "ssh"
    host        = local.first_server.ip
    port        = var.ssh_port
    user        = var.ssh_user
    private_key = file(pathexpand(var.ssh_private_key_path))
    timeout     = "5m"
  }

  provisioner "file" {
    content     = local.config_files[local.first_server.name]
    destination = local.staged_config
  }

  provisioner "file" {
    content     = local.registries_file
    destination = local.staged_registries
  }

  # A separate step so that Terraform suppresses only this output (it contains the token).
  provisioner "remote-exec" {
    inline = [local.token_command]
  }

  provisioner "remote-exec" {
    inline = local.install_commands[local.first_server.name]
  }
}

resource "terraform_data" "server" {
  for_each = local.joining_servers

  triggers_replace = {
    k3s_version = var.k3s_version
    config      = local.config_files[each.key]
    registries  = local.registries_file
  }

  connection {
    type        = "ssh"
    host        = each.value.ip
    port        = var.ssh_port
    user        = var.ssh_user
    private_key = file(pathexpand(var.ssh_private_key_path))
    timeout     = "5m"
  }

  provisioner "file" {
    content     = local.config_files[each.key]
    destination = local.staged_config
  }

  provisioner "file" {
    content     = local.registries_file
    destination = local.staged_registries
  }

  provisioner "remote-exec" {
    inline = [local.token_command]
  }

  provisioner "remote-exec" {
    inline = local.install_commands[each.key]
  }

  depends_on = [terraform_data.first_server]
}

resource "terraform_data" "agent" {
  for_each = local.agents

  triggers_replace = {
    k3s_version = var.k3s_version
    config      = local.config_files[each.key]
    registries  = local.registries_file
  }

  connection {
    type        = "ssh"
    host        = each.value.ip
    port        = var.ssh_port
    user        = var.ssh_user
    private_key = file(pathexpand(var.ssh_private_key_path))
    timeout     = "5m"
  }

  provisioner "file" {
    content     = local.config_files[each.key]
    destination = local.staged_config
  }

  provisioner "file" {
    content     = local.registries_file
    destination = local.staged_registries
  }

  provisioner "remote-exec" {
    inline = [local.token_command]
  }

  provisioner "remote-exec" {
    inline = local.install_commands[each.key]
  }

  # Servers before agents, as the K3s upgrade guide orders them.
  depends_on = [terraform_data.first_server, terraform_data.server]
}

# The admin kubeconfig, read back from the first server. Why ssh_sensitive_resource: Terraform has no built-in
# way to read a remote file, and this resource captures a command's stdout into a *sensitive* attribute, runs
# only when created (replaced together with the first server's install), and needs no local ssh binary. (The
# `local-exec` + `scp` alternative leaves the admin credentials in a plaintext file on the operator's disk.)
resource "ssh_sensitive_resource" "kubeconfig" {
  host        = local.first_server.ip
  port        = var.ssh_port
  user        = var.ssh_user
  private_key = file(pathexpand(var.ssh_private_key_path))
  timeout     = "5m"
  commands    = ["sudo cat /etc/rancher/k3s/k3s.yaml"]

  depends_on = [terraform_data.first_server]

  lifecycle {
    replace_triggered_by = [terraform_data.first_server]
  }
}

locals {
  # k3s.yaml addresses the API on the loopback address; callers reach it at the first server's IP (which the
  # serving certificate covers: tls-san above).
  kubeconfig_document = yamldecode(ssh_sensitive_resource.kubeconfig.result)
  kubeconfig          = replace(ssh_sensitive_resource.kubeconfig.result, "/server: https://[^\\n]+/", "server: ${local.api_server_url}")
}
