variable "sites_dir" {
  type        = string
  description = "Folder with one <site>.yaml per edge site: the repository's sites/, the same files `npm run synth` renders. Terraform reads them as they are; no site, node or IP is ever written in HCL."

  validation {
    condition     = length(fileset(var.sites_dir, "*.yaml")) > 0
    error_message = "sites_dir holds no <site>.yaml file. Point it at the repository's sites/ folder (the environments pass \"$${path.root}/../../../sites\")."
  }

  validation {
    condition     = length(fileset(var.sites_dir, "*.yml")) == 0
    error_message = "sites_dir holds *.yml files: `npm run synth` rejects them and Terraform would silently skip them. Rename each to <site>.yaml."
  }
}

variable "fleet_file" {
  type        = string
  description = "The fleet config, fleet.yaml at the top of the repository (the environments pass \"$${path.root}/../../../fleet.yaml\"): Git repository and revision of the Argo CD root Applications, registry mirrors of the K3s nodes. `npm run synth` validates it in full."

  validation {
    condition     = fileexists(var.fleet_file)
    error_message = "fleet_file does not point to a file. Pass the repository's fleet.yaml (\"$${path.root}/../../../fleet.yaml\" in the environments)."
  }
}
