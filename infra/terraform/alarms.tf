# Alarms go to an encrypted SNS topic (subscribe to it, or set alarm_email) and to alarm_actions.

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.logs.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = concat([aws_sns_topic.alarms.arn], var.alarm_actions)
  alb_dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
  }
  target_group_dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
    TargetGroup  = aws_lb_target_group.ml.arn_suffix
  }
}

# Share of requests answered 5xx, by skiff (HTTPCode_Target_5XX_Count) or by the ALB itself
# (HTTPCode_ELB_5XX_Count: 502/503/504 when no target is healthy or one misbehaves), per minute, once at least
# alarm_5xx_min_requests requests arrived in it.
resource "aws_cloudwatch_metric_alarm" "alb_5xx_rate" {
  alarm_name          = "${local.name}-5xx-rate"
  alarm_description   = "More than ${var.alarm_5xx_rate_percent}% of requests to ${local.name} answered 5xx (skiff or the ALB) in 3 of 5 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_5xx_rate_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    label       = "5xx share of requests (%)"
    expression  = "IF(requests >= ${var.alarm_5xx_min_requests}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)"
    return_data = true
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = local.alb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "target5xx"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = local.alb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "elb5xx"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = local.alb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "target_p95_latency" {
  alarm_name          = "${local.name}-p95-latency"
  alarm_description   = "p95 target response time of ${local.name} above ${var.alarm_p95_latency_seconds} s in 3 of 5 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = local.target_group_dimensions
  extended_statistic  = "p95"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_p95_latency_seconds
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Registered targets failing /health/ready. Draining and unused targets (rollouts, scale-in) do not count.
resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${local.name}-unhealthy-hosts"
  alarm_description   = "A ${local.name} target has failed /health/ready for 3 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = local.target_group_dimensions
  statistic           = "Maximum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# No healthy target at all: every request gets a 503 from the ALB. Missing data counts as breaching here.
# Only when the group never scales to zero.
resource "aws_cloudwatch_metric_alarm" "no_healthy_hosts" {
  count = var.min_size > 0 ? 1 : 0

  alarm_name          = "${local.name}-no-healthy-hosts"
  alarm_description   = "${local.name} has no healthy target: the ALB answers every request with 503."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = local.target_group_dimensions
  statistic           = "Minimum"
  period              = 60
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  treat_missing_data  = "breaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
