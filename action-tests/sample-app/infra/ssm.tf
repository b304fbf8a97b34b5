# The deploy target the fetch-ssm-target action reads.
locals {
  ssm_prefix = "/sample/${var.environment}"
}

resource "aws_ssm_parameter" "ssh_host" {
  name  = "${local.ssm_prefix}/ssh-host"
  type  = "String"
  value = var.enable_load_balancer ? aws_instance.api.private_ip : aws_instance.api.public_ip
}

resource "aws_ssm_parameter" "ssh_user" {
  name  = "${local.ssm_prefix}/ssh-user"
  type  = "String"
  value = "ec2-user"
}

resource "aws_ssm_parameter" "ssh_private_key" {
  name  = "${local.ssm_prefix}/ssh-private-key"
  type  = "SecureString"
  value = var.deploy_private_key
}
