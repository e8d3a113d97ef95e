provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = var.project
      Environment = var.environment
      Service     = "skiff"
      ManagedBy   = "terraform"
    })
  }
}
