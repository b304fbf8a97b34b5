terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }

  # State in S3 with native locking (Terraform >= 1.10 use_lockfile). The bucket is created once,
  # outside this configuration, with versioning and encryption.
  backend "s3" {
    bucket       = "acme-shop-terraform-state"
    key          = "shop/prod/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = "shop"
      ManagedBy = "terraform"
    }
  }
}
