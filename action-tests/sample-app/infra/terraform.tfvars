# Production values (auto-loaded). The deploy key pair comes from TF_VAR_deploy_private_key /
# TF_VAR_deploy_public_key, set from repository secrets in the workflow.
environment          = "prod"
api_ami_id           = "ami-0c7217cdde317cfec"
api_instance_type    = "t3.medium"
enable_load_balancer = true
ssh_allowed_cidr     = "0.0.0.0/0"
