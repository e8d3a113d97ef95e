# TFLint for infra/terraform, run by .github/workflows/ci.yml (`tflint --init` downloads the AWS ruleset there;
# plugins cannot be fetched in `make test`).
plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.40.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}

rule "terraform_naming_convention" {
  enabled = true
}

rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_standard_module_structure" {
  enabled = false # resources are split by concern (alb.tf, compute.tf, iam.tf, …), not all in main.tf
}
