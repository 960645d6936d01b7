################################################################################
# Network: a VPC with two private subnets, or the caller's own
################################################################################

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:Private subnets with no internet path and security groups that name no CIDR; bring your own VPC for flow logs.
  count = local.create_vpc ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, { Name = "${var.name_prefix}-vpc" })
}

# The default security group of the new VPC keeps no rules: nothing uses it.
resource "aws_default_security_group" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name_prefix}-default-closed" })
}

resource "aws_subnet" "private" {
  count = local.create_vpc ? 2 : 0

  vpc_id                  = aws_vpc.this[0].id
  cidr_block              = var.private_subnet_cidrs[count.index]
  availability_zone       = local.availability_zones[count.index]
  map_public_ip_on_launch = false

  tags = merge(local.tags, { Name = "${var.name_prefix}-private-${local.availability_zones[count.index]}" })
}

################################################################################
# Security groups: the replication instance reaches the source on 1521 and the
# target on 3306, and nothing else reaches anything.
################################################################################

resource "aws_security_group" "replication_instance" {
  name        = "${var.name_prefix}-replication-instance"
  description = "DMS replication instance: egress to the source (Oracle) and the target (MySQL) only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name_prefix}-replication-instance" })
}

resource "aws_security_group" "source" {
  name        = "${var.name_prefix}-source"
  description = "Source Oracle database: reachable from the DMS replication instance only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name_prefix}-source" })
}

resource "aws_security_group" "target" {
  name        = "${var.name_prefix}-target"
  description = "Target Aurora MySQL cluster: reachable from the DMS replication instance (and listed groups) only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name_prefix}-target" })
}

resource "aws_vpc_security_group_egress_rule" "replication_instance_to_source" {
  security_group_id            = aws_security_group.replication_instance.id
  description                  = "Oracle listener of the source"
  ip_protocol                  = "tcp"
  from_port                    = local.source_port
  to_port                      = local.source_port
  referenced_security_group_id = aws_security_group.source.id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "replication_instance_to_target" {
  security_group_id            = aws_security_group.replication_instance.id
  description                  = "MySQL port of the target"
  ip_protocol                  = "tcp"
  from_port                    = local.target_port
  to_port                      = local.target_port
  referenced_security_group_id = aws_security_group.target.id

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "source_from_replication_instance" {
  security_group_id            = aws_security_group.source.id
  description                  = "Oracle from the DMS replication instance"
  ip_protocol                  = "tcp"
  from_port                    = local.source_port
  to_port                      = local.source_port
  referenced_security_group_id = aws_security_group.replication_instance.id

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "target_from_replication_instance" {
  security_group_id            = aws_security_group.target.id
  description                  = "MySQL from the DMS replication instance"
  ip_protocol                  = "tcp"
  from_port                    = local.target_port
  to_port                      = local.target_port
  referenced_security_group_id = aws_security_group.replication_instance.id

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "target_from_allowed" {
  # count, not for_each: the groups may be created in the same apply.
  count = length(var.target_allowed_security_group_ids)

  security_group_id            = aws_security_group.target.id
  description                  = "MySQL from an allowed security group"
  ip_protocol                  = "tcp"
  from_port                    = local.target_port
  to_port                      = local.target_port
  referenced_security_group_id = var.target_allowed_security_group_ids[count.index]

  tags = local.tags
}
