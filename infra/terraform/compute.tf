locals {
  user_data = templatefile("${path.module}/templates/user-data.sh.tftpl", {
    region                   = var.region
    ssm_parameter_path       = "${local.ssm_prefix}/"
    image_repository         = var.image_repository
    registry                 = local.registry
    registry_username        = local.registry_username
    registry_token_parameter = local.ghcr_token_parameter_name
    image_tag_parameter      = local.image_tag_parameter_name
    app_log_group            = aws_cloudwatch_log_group.app.name
    system_log_group         = aws_cloudwatch_log_group.system.name
    metrics_namespace        = local.metrics_namespace
    container_port           = local.container_port
    shutdown_grace_seconds   = var.shutdown_grace_seconds
    drain_delay_seconds      = var.drain_delay_seconds
    idle_timeout_seconds     = local.idle_timeout_seconds
    stop_timeout_seconds     = local.stop_timeout_seconds
  })
}

resource "aws_launch_template" "this" {
  #checkov:skip=CKV_AWS_341:Hop limit 2 is required: skiff runs in a container on Docker's bridge network and reads its instance-profile credentials from IMDSv2; with 1 the token response never reaches it.
  name                   = local.name
  description            = "skiff ${var.environment}: Amazon Linux 2023, Docker, CloudWatch agent, image from ${var.image_repository}"
  image_id               = local.ami_id
  instance_type          = var.instance_type
  key_name               = var.key_name
  update_default_version = true
  user_data              = base64encode(local.user_data)

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }

  # IMDSv2 only. Hop limit 2: the container is one network hop (Docker's bridge) further from the metadata
  # service than the host, and skiff takes its credentials, region and log stream name (instance id) from it.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
    instance_metadata_tags      = "disabled"
  }

  monitoring {
    enabled = true
  }

  network_interfaces {
    associate_public_ip_address = var.associate_public_ip_address
    delete_on_termination       = true
    security_groups             = [aws_security_group.instance.id]
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_type           = "gp3"
      volume_size           = var.root_volume_size_gb
      encrypted             = true
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = local.name }
  }

  tag_specifications {
    resource_type = "volume"
    tags          = { Name = local.name }
  }

  lifecycle {
    precondition {
      condition     = length(local.private_subnet_ids) >= 1
      error_message = "The instances need at least one subnet (private_subnet_ids, or create_vpc = true)."
    }
  }
}

resource "aws_autoscaling_group" "this" {
  name                      = local.name
  vpc_zone_identifier       = local.private_subnet_ids
  min_size                  = var.min_size
  max_size                  = var.max_size
  desired_capacity          = var.desired_capacity
  target_group_arns         = [aws_lb_target_group.ml.arn]
  health_check_type         = "ELB"
  health_check_grace_period = var.health_check_grace_period
  default_instance_warmup   = var.instance_warmup_seconds
  wait_for_capacity_timeout = "20m"
  termination_policies      = ["OldestLaunchTemplate", "OldestInstance"]
  enabled_metrics = [
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupMaxSize",
    "GroupMinSize",
    "GroupPendingInstances",
    "GroupStandbyInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
  ]

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  # A new launch template version (AMI, user data, instance type) replaces the instances in place: new ones
  # first (up to 200 %), an old one leaves only when a new one is healthy in the target group, and a failed
  # refresh rolls back. Leaving instances are deregistered and drained for deregistration_delay before they stop.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 100
      max_healthy_percentage = 200
      auto_rollback          = true
    }
  }

  dynamic "tag" {
    for_each = merge(var.tags, {
      Name        = local.name
      Project     = var.project
      Environment = var.environment
      Service     = "skiff"
    })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }

  depends_on = [aws_iam_role_policy.instance]
}

resource "aws_autoscaling_policy" "cpu" {
  count = var.scaling_metric == "cpu" ? 1 : 0

  name                   = "${local.name}-cpu"
  autoscaling_group_name = aws_autoscaling_group.this.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    target_value = var.cpu_target_percent

    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
  }
}

resource "aws_autoscaling_policy" "requests" {
  count = var.scaling_metric == "requests" ? 1 : 0

  name                   = "${local.name}-requests"
  autoscaling_group_name = aws_autoscaling_group.this.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    target_value = var.requests_per_target_per_minute

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.ml.arn_suffix}"
    }
  }
}
