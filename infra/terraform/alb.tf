resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_76:The WAF is optional and managed outside this module (web_acl_arn); the Log4j rule group is moot for skiff, a Swift binary with no Java in the image.
  name               = local.name
  load_balancer_type = "application"
  internal           = false
  security_groups    = [aws_security_group.alb.id]
  subnets            = local.public_subnet_ids

  idle_timeout               = var.alb_idle_timeout
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "defensive"
  enable_http2               = true
  enable_deletion_protection = var.alb_deletion_protection
  # TRUSTED_PROXY_COUNT=1 relies on the ALB appending the peer address to X-Forwarded-For.
  xff_header_processing_mode = "append"

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]

    content {
      bucket  = access_logs.value
      prefix  = coalesce(var.access_logs_prefix, "${var.project}/${var.environment}")
      enabled = true
    }
  }

  lifecycle {
    precondition {
      condition     = length(local.public_subnet_ids) >= 2
      error_message = "The ALB needs at least two public subnets in different AZs (public_subnet_ids, or create_vpc = true)."
    }
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.web_acl_arn == null ? 0 : 1

  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.web_acl_arn
}

# skiff on 5001. Deregistration delay ≥ DRAIN_DELAY_SECONDS + SHUTDOWN_GRACE_SECONDS (README: 5 + 25 + 15 = 45 s),
# so the ALB never cuts a request skiff is still allowed to finish.
resource "aws_lb_target_group" "ml" {
  name                          = "${local.name}-ml"
  port                          = local.container_port
  protocol                      = "HTTP"
  protocol_version              = "HTTP1"
  target_type                   = "instance"
  vpc_id                        = local.vpc_id
  deregistration_delay          = var.deregistration_delay
  load_balancing_algorithm_type = "least_outstanding_requests"

  health_check {
    enabled             = true
    path                = "/health/ready"
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  stickiness {
    enabled = false
    type    = "lb_cookie"
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.ml.arn
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
