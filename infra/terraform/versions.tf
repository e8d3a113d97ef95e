terraform {
  # 1.9+: variable validations that refer to other variables (deregistration_delay against the shutdown
  # timings). Below 2.0 so a new major is a deliberate bump.
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    # Validated against 5.100 (the last 5.x) and written for 6.x; `terraform init` records the exact version
    # and checksums in .terraform.lock.hcl, which is committed once created.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }

  # State lives in a backend.tf of your own (per account, not committed here), for example:
  #   terraform {
  #     backend "s3" {
  #       bucket       = "example-tfstate"
  #       key          = "skiff/production.tfstate"
  #       region       = "eu-west-1"
  #       encrypt      = true
  #       use_lockfile = true
  #     }
  #   }
}
