# ALB: 443 (and 80, which only redirects) from alb_ingress_cidrs; out only to the instances on 5001.
# Instances: 5001 from the ALB's group only; out on 443 (GHCR, AWS APIs, model hubs, LLM providers).
# DNS (the VPC resolver), NTP (169.254.169.123) and instance metadata are link-local and not filtered by groups.

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "skiff ALB: HTTPS and HTTP (redirect) in, skiff port out to the instances"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.name}-alb" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.alb_ingress_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from clients"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers a 301 to HTTPS (listener "http" below); nothing is served over plain HTTP.
  for_each = toset(var.alb_ingress_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "HTTP from clients, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "alb_to_instances" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Requests and health checks to skiff"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.instance.id
}

resource "aws_security_group" "instance" {
  name        = "${local.name}-instance"
  description = "skiff instances: skiff port from the ALB only, HTTPS out"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.name}-instance" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "instance_from_alb" {
  security_group_id            = aws_security_group.instance.id
  description                  = "skiff from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_ingress_rule" "instance_ssh" {
  for_each = toset(var.ssh_ingress_cidrs)

  security_group_id = aws_security_group.instance.id
  description       = "SSH for Ansible rollouts"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "instance_https" {
  security_group_id = aws_security_group.instance.id
  description       = "HTTPS to GHCR, AWS APIs, package repositories, model hubs and LLM providers"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
