output "api_public_ip" {
  value = aws_instance.api.public_ip
}

output "load_balancer_dns_name" {
  value = var.enable_load_balancer ? aws_lb.api[0].dns_name : null
}

output "frontend_bucket" {
  value = aws_s3_bucket.frontend.bucket
}

output "cloudfront_domain_name" {
  value = aws_cloudfront_distribution.frontend.domain_name
}

output "ecr_repository_url" {
  value = aws_ecr_repository.ai.repository_url
}
