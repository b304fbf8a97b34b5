resource "aws_security_group" "api" {
  name_prefix = "shop-${var.environment}-api-"
  description = "API host: HTTP from the load balancer or the world, SSH from deploy runners"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "API"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = var.enable_load_balancer ? [var.vpc_cidr] : ["0.0.0.0/0"]
  }

  ingress {
    description = "SSH from deploy runners"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.ssh_allowed_cidr]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_key_pair" "deploy" {
  key_name   = "shop-${var.environment}-deploy"
  public_key = var.deploy_public_key
}

resource "aws_instance" "api" {
  ami                    = var.api_ami_id
  instance_type          = var.api_instance_type
  subnet_id              = aws_subnet.public[0].id
  vpc_security_group_ids = [aws_security_group.api.id]
  key_name               = aws_key_pair.deploy.key_name

  metadata_options {
    http_tokens = "required"
  }

  root_block_device {
    volume_size = 20
    volume_type = "gp3"
    encrypted   = true
  }

  tags = { Name = "shop-${var.environment}-api" }
}

# The load balancer exists only when enable_load_balancer is true.
resource "aws_lb" "api" {
  count              = var.enable_load_balancer ? 1 : 0
  name               = "shop-${var.environment}-api"
  load_balancer_type = "application"
  subnets            = aws_subnet.public[*].id
  security_groups    = [aws_security_group.api.id]
}

resource "aws_lb_target_group" "api" {
  count    = var.enable_load_balancer ? 1 : 0
  name     = "shop-${var.environment}-api"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id

  health_check {
    path    = "/health"
    matcher = "200"
  }
}

resource "aws_lb_target_group_attachment" "api" {
  count            = var.enable_load_balancer ? 1 : 0
  target_group_arn = aws_lb_target_group.api[0].arn
  target_id        = aws_instance.api.id
  port             = 8080
}

resource "aws_lb_listener" "http" {
  count             = var.enable_load_balancer ? 1 : 0
  load_balancer_arn = aws_lb.api[0].arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api[0].arn
  }
}
