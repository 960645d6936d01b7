################################################################################
# Context: partition and region of the provider, read without an API call
################################################################################

data "aws_partition" "current" {}

data "aws_region" "current" {}

################################################################################
# Masking rules, declared once: DMS transformation rules (an output for the
# task's table mappings) and the post-process Lambda's after-load JSON
################################################################################

module "masking_rules" {
  source = "./modules/masking-rules"

  masking_rules = var.masking_rules
  default_where = var.masking_default_where
}
