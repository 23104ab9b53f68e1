terraform {
  # No provider: everything happens over SSH with the built-in terraform_data resource, which is what lets the
  # environments call this module with for_each over the pull-mode sites (a provider per site cannot be
  # created with for_each).
  required_version = ">= 1.9.0"
}
