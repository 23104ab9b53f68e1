terraform {
  required_version = ">= 1.9.0"

  # tls: the keys and certificates are made in Terraform (state holds the private keys: use the encrypted remote
  # backend of backend.tf.example). No Kubernetes provider: the objects reach the cluster over SSH like the
  # pull-mode Argo CD (modules/argocd-site), which keeps for_each over the mesh sites possible.
  required_providers {
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.0"
    }
  }
}
