# The Linkerd identity of one mesh site (docs/decisions/0029-linkerd-service-mesh.md). The control plane runs with
# identity.externalCA and the issuer scheme kubernetes.io/tls (charts/mesh/releases.ts), so it expects two objects
# in its namespace before it starts, and nothing in Git holds a certificate or key:
#   - ConfigMap <trustRootsConfigMap> with the site's trust anchor certificate under <trustRootsKey>;
#   - Secret <issuerSecret> of type kubernetes.io/tls: the issuer (intermediate CA) certificate and key, and the
#     anchor as ca.crt.
# One anchor per site: a leaked issuer or anchor key compromises one site, not the fleet. The anchor's private key
# never leaves Terraform state; the issuer's key is written to the site's K3s server (it has to be in the cluster).
#
# Delivery: K3s applies every manifest in /var/lib/rancher/k3s/server/manifests (at start and when the file
# changes), so the file written here (mode 0600, root) re-creates the objects if they are deleted and replaces
# them when the issuer is renewed. The Namespace object only carries its name: the baseline layer adopts it (Pod
# Security labels, default-deny) like every namespace a layer declares, as it does for the pull-mode argocd one.
locals {
  manifests_dir = "/var/lib/rancher/k3s/server/manifests"
  file_name     = "edge-ai-linkerd-identity.yaml"

  objects = [
    {
      apiVersion = "v1"
      kind       = "Namespace"
      metadata   = { name = var.identity.namespace }
    },
    {
      apiVersion = "v1"
      kind       = "ConfigMap"
      metadata   = { name = var.identity.trustRootsConfigMap, namespace = var.identity.namespace }
      data       = { (var.identity.trustRootsKey) = tls_self_signed_cert.anchor.cert_pem }
    },
    {
      apiVersion = "v1"
      kind       = "Secret"
      type       = "kubernetes.io/tls"
      metadata   = { name = var.identity.issuerSecret, namespace = var.identity.namespace }
      data = {
        "tls.crt" = base64encode(tls_locally_signed_cert.issuer.cert_pem)
        "tls.key" = base64encode(tls_private_key.issuer.private_key_pem)
        "ca.crt"  = base64encode(tls_self_signed_cert.anchor.cert_pem)
      }
    },
  ]
  manifest = join("---\n", [for o in local.objects : yamlencode(o)])

  commands = [
    "set -eu",
    "sudo install -d -m 0700 ${local.manifests_dir}",
    "sudo install -m 0600 -o root -g root /tmp/${local.file_name} ${local.manifests_dir}/${local.file_name}",
    "rm -f /tmp/${local.file_name}",
  ]
}

# Linkerd's identity names the trust domain cluster.local (the chart's identityTrustDomain default = clusterDomain).
resource "tls_private_key" "anchor" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_self_signed_cert" "anchor" {
  private_key_pem       = tls_private_key.anchor.private_key_pem
  is_ca_certificate     = true
  validity_period_hours = var.trust_anchor_validity_hours
  allowed_uses          = ["cert_signing", "crl_signing"]

  subject {
    common_name  = "root.linkerd.cluster.local"
    organization = "edge-ai ${var.site_name}"
  }
}

resource "tls_private_key" "issuer" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_cert_request" "issuer" {
  private_key_pem = tls_private_key.issuer.private_key_pem

  subject {
    common_name  = "identity.linkerd.cluster.local"
    organization = "edge-ai ${var.site_name}"
  }
}

resource "tls_locally_signed_cert" "issuer" {
  cert_request_pem      = tls_cert_request.issuer.cert_request_pem
  ca_private_key_pem    = tls_private_key.anchor.private_key_pem
  ca_cert_pem           = tls_self_signed_cert.anchor.cert_pem
  is_ca_certificate     = true
  validity_period_hours = var.issuer_validity_hours
  early_renewal_hours   = var.issuer_early_renewal_hours
  allowed_uses          = ["cert_signing", "crl_signing"]
}

resource "terraform_data" "identity" {
  triggers_replace = {
    k3s_install = var.k3s_install_id
    manifest    = sha256(local.manifest)
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
    content     = local.manifest
    destination = "/tmp/${local.file_name}"
  }

  provisioner "remote-exec" {
    inline = local.commands
  }
}
