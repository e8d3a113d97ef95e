# `terraform test` against a mocked AWS provider: plans and "applies" the whole module with no account and no
# credentials (nothing is created), then checks what the parsed-HCL tests cannot evaluate: the rendered user
# data, variable validations, the conditional VPC and the SSM outputs.
#
#   cd infra/terraform && terraform init -backend=false && terraform test
#
# scripts/check-terraform runs it when terraform and the AWS provider are at hand (a filesystem mirror, or CI).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_availability_zones" {
    defaults = {
      names = ["eu-west-1c", "eu-west-1a", "eu-west-1b"]
    }
  }

  mock_data "aws_ami" {
    defaults = {
      id = "ami-0123456789abcdef0"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/acme/production/skiff"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/acme-production/0123456789abcdef"
      arn_suffix = "app/acme-production/0123456789abcdef"
      dns_name   = "acme-production-123456789.eu-west-1.elb.amazonaws.com"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/acme-production-ml/0123456789abcdef"
      arn_suffix = "targetgroup/acme-production-ml/0123456789abcdef"
    }
  }

  mock_resource "aws_iam_instance_profile" {
    defaults = {
      arn = "arn:aws:iam::123456789012:instance-profile/acme-production-instance"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/acme-production-instance"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:eu-west-1:123456789012:acme-production-alarms"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      id  = "acme-production-ansible-20250101000000000000000001"
      arn = "arn:aws:s3:::acme-production-ansible-20250101000000000000000001"
    }
  }

  mock_resource "aws_launch_template" {
    defaults = {
      id             = "lt-0123456789abcdef0"
      latest_version = 1
    }
  }
}

variables {
  project          = "acme"
  environment      = "production"
  region           = "eu-west-1"
  certificate_arn  = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  image_repository = "ghcr.io/acme/skiff"
  image_tag        = "v1.0.0"
}

run "defaults" {
  command = apply

  # The same script the Python test renders and shellchecks (tests/user-data.golden.sh): templatefile() and
  # that renderer agree byte for byte.
  assert {
    condition     = local.user_data == file("${path.module}/tests/user-data.golden.sh")
    error_message = "The rendered user data differs from tests/user-data.golden.sh (regenerate it: python3 tests/test_terraform.py --update-golden)."
  }

  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_tokens == "required" && aws_launch_template.this.metadata_options[0].http_put_response_hop_limit == 2
    error_message = "IMDSv2 must be required with hop limit 2."
  }

  assert {
    condition     = tonumber(aws_lb_target_group.ml.deregistration_delay) == 45 && aws_lb_target_group.ml.health_check[0].path == "/health/ready" && aws_lb_target_group.ml.port == 5001
    error_message = "Target group: port 5001, /health/ready, 45 s deregistration delay."
  }

  assert {
    condition     = local.ssm_path_arn == "arn:aws:ssm:eu-west-1:123456789012:parameter/acme/production"
    error_message = "GetParametersByPath must be granted on the path's own ARN, got ${local.ssm_path_arn}."
  }

  assert {
    condition     = local.ghcr_token_parameter_arn == "arn:aws:ssm:eu-west-1:123456789012:parameter/acme/production-deploy/ghcr_token"
    error_message = "Registry token parameter ARN: ${local.ghcr_token_parameter_arn}."
  }

  assert {
    condition     = join(",", local.azs) == "eu-west-1a,eu-west-1b" && length(aws_subnet.private) == 2 && length(aws_nat_gateway.this) == 2
    error_message = "The first two zones by name, one private subnet and one NAT gateway each."
  }

  assert {
    condition = toset(keys(aws_ssm_parameter.infrastructure)) == toset([
      "alb_dns_name", "alb_arn_suffix", "asg_name", "ml_tg_arn", "ml_tg_name", "ml_tg_deregistration_delay",
      "ml_server_image_repository", "log_group_name", "ssm_kms_key_arn", "ansible_ssm_bucket",
    ])
    error_message = "Unexpected set of infrastructure parameters."
  }

  assert {
    condition     = aws_ssm_parameter.infrastructure["ml_tg_arn"].name == "/acme/production/ml_tg_arn" && aws_ssm_parameter.image_tag.name == "/acme/production/ml_server_image_tag"
    error_message = "Infrastructure parameters live under the prefix."
  }

  assert {
    condition     = length(aws_autoscaling_policy.cpu) == 1 && length(aws_autoscaling_policy.requests) == 0
    error_message = "CPU target tracking by default."
  }

  assert {
    condition     = local.stop_timeout_seconds == 35 && local.idle_timeout_seconds == 675
    error_message = "Docker stop timeout 5 + 25 + 5 s, skiff idle timeout 660 + 15 s."
  }
}

run "existing_vpc_and_request_scaling" {
  command = apply

  variables {
    create_vpc                     = false
    vpc_id                         = "vpc-0123456789abcdef0"
    public_subnet_ids              = ["subnet-a", "subnet-b"]
    private_subnet_ids             = ["subnet-c", "subnet-d"]
    scaling_metric                 = "requests"
    ssm_prefix                     = "/acme/prod-eu"
    create_ansible_bucket          = false
    requests_per_target_per_minute = 1200
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_nat_gateway.this) == 0 && length(aws_flow_log.this) == 0
    error_message = "No network resources with an existing VPC."
  }

  assert {
    condition     = aws_autoscaling_group.this.vpc_zone_identifier == toset(["subnet-c", "subnet-d"])
    error_message = "Instances in the given private subnets."
  }

  assert {
    condition     = aws_autoscaling_policy.requests[0].target_tracking_configuration[0].predefined_metric_specification[0].resource_label == "app/acme-production/0123456789abcdef/targetgroup/acme-production-ml/0123456789abcdef"
    error_message = "ALBRequestCountPerTarget needs <lb arn suffix>/<tg arn suffix>."
  }

  assert {
    condition     = local.ssm_path_arn == "arn:aws:ssm:eu-west-1:123456789012:parameter/acme/prod-eu" && local.ghcr_token_parameter_name == "/acme/prod-eu-deploy/ghcr_token"
    error_message = "A custom prefix moves the path ARN and the token parameter."
  }

  assert {
    condition     = !contains(keys(aws_ssm_parameter.infrastructure), "ansible_ssm_bucket")
    error_message = "No bucket parameter without the bucket."
  }
}

run "deregistration_delay_must_cover_drain_and_grace" {
  command = plan

  variables {
    deregistration_delay = 29
  }

  expect_failures = [var.deregistration_delay]
}

run "longer_grace_needs_a_longer_delay" {
  command = plan

  variables {
    shutdown_grace_seconds = 60
  }

  expect_failures = [var.deregistration_delay]
}

run "prefix_without_trailing_slash" {
  command = plan

  variables {
    ssm_prefix = "/acme/production/"
  }

  expect_failures = [var.ssm_prefix]
}

run "existing_vpc_needs_two_public_subnets" {
  command = plan

  variables {
    create_vpc         = false
    vpc_id             = "vpc-0123456789abcdef0"
    public_subnet_ids  = ["subnet-a"]
    private_subnet_ids = ["subnet-c"]
  }

  expect_failures = [aws_lb.this]
}
