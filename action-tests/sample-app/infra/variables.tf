variable "region" {
  description = "AWS region of every resource except the CloudFront certificate."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Environment name, used in resource names and the SSM prefix."
  type        = string
  default     = "prod"
}

variable "vpc_cidr" {
  type    = string
  default = "10.40.0.0/16"
}

variable "api_instance_type" {
  description = "Instance type of the Java API host."
  type        = string
  default     = "t3.small"
}

variable "api_ami_id" {
  description = "AMI of the API host (Amazon Linux 2023 with Java 17)."
  type        = string
}

variable "enable_load_balancer" {
  description = "Put an application load balancer in front of the API host (needs two public subnets)."
  type        = bool
  default     = false
}

variable "ssh_allowed_cidr" {
  description = "Where deploy jobs SSH from."
  type        = string
}

variable "deploy_private_key" {
  description = "Private key the deploy jobs use to reach the API host; stored as a SecureString."
  type        = string
  sensitive   = true
}

variable "deploy_public_key" {
  type = string
}
