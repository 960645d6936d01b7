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
  count = var.create_target ? 1 : 0

  name        = "${var.name_prefix}-target"
  description = "Target Aurora MySQL cluster: reachable from the DMS replication instance (and listed groups) only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name_prefix}-target" })
}

# The replication instance's egress, one rule per destination, keyed by it; a
# destination this network does not have is left out. Each rule names a
# security group or a CIDR (null: the other).
locals {
  _replication_instance_egress = {
    source = {
      create         = true
      description    = "Oracle listener of the source"
      port           = local.source_port
      security_group = aws_security_group.source.id
      cidr_ipv4      = null
    }
    target = {
      create         = var.create_target
      description    = "MySQL port of the target"
      port           = local.target_port
      security_group = one(aws_security_group.target[*].id)
      cidr_ipv4      = null
    }
    # Secrets Manager (endpoint secrets): see the section below.
    secrets_manager = {
      create         = local.create_vpc
      description    = "HTTPS to the Secrets Manager endpoint (endpoint secrets)"
      port           = 443
      security_group = one(aws_security_group.vpc_endpoints[*].id)
      cidr_ipv4      = null
    }
    aws_apis = {
      create         = !local.create_vpc
      description    = "HTTPS to Secrets Manager (through your VPC endpoint or NAT gateway)"
      port           = 443
      security_group = null
      cidr_ipv4      = "0.0.0.0/0"
    }
  }
  replication_instance_egress = { for k, rule in local._replication_instance_egress : k => rule if rule.create }

  # Ingress into the two databases from the replication instance and the
  # preparation function (prepare.tf), keyed by the client.
  _source_ingress = {
    replication_instance = {
      create         = true
      description    = "Oracle from the DMS replication instance"
      security_group = aws_security_group.replication_instance.id
    }
    prepare = {
      create         = local.prepare_databases
      description    = "Oracle from the database preparation function"
      security_group = one(aws_security_group.prepare_databases[*].id)
    }
  }
  source_ingress = { for k, rule in local._source_ingress : k => rule if rule.create }

  _target_ingress = {
    replication_instance = {
      create         = var.create_target
      description    = "MySQL from the DMS replication instance"
      security_group = aws_security_group.replication_instance.id
    }
    prepare = {
      create         = var.create_target && local.prepare_databases
      description    = "MySQL from the database preparation function"
      security_group = one(aws_security_group.prepare_databases[*].id)
    }
  }
  target_ingress = { for k, rule in local._target_ingress : k => rule if rule.create }
}

resource "aws_vpc_security_group_egress_rule" "replication_instance" {
  for_each = local.replication_instance_egress

  security_group_id            = aws_security_group.replication_instance.id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.security_group
  cidr_ipv4                    = each.value.cidr_ipv4

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "source" {
  for_each = local.source_ingress

  security_group_id            = aws_security_group.source.id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = local.source_port
  to_port                      = local.source_port
  referenced_security_group_id = each.value.security_group

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "target" {
  for_each = local.target_ingress

  security_group_id            = aws_security_group.target[0].id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = local.target_port
  to_port                      = local.target_port
  referenced_security_group_id = each.value.security_group

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "target_from_allowed" {
  # count, not for_each: the groups may be created in the same apply.
  count = var.create_target ? length(var.target_allowed_security_group_ids) : 0

  security_group_id            = aws_security_group.target[0].id
  description                  = "MySQL from an allowed security group"
  ip_protocol                  = "tcp"
  from_port                    = local.target_port
  to_port                      = local.target_port
  referenced_security_group_id = var.target_allowed_security_group_ids[count.index]

  tags = local.tags
}

################################################################################
# Secrets Manager from inside the network. DMS 3.4.7 and later reads an endpoint's
# secret from the replication instance through Secrets Manager, so the instance
# needs an HTTPS path to it: the DMS user guide ("Using secrets to access AWS
# Database Migration Service endpoints",
# https://docs.aws.amazon.com/dms/latest/userguide/security_iam_secretsmanager.html)
# asks for a Secrets Manager VPC endpoint (or a NAT path) for a replication
# instance without public access. A created VPC has no internet route, so it
# gets an interface endpoint (private DNS on: the SDKs' default host name
# resolves to it; "Secrets Manager VPC endpoint",
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html)
# that admits HTTPS from the replication instance and the listed groups only.
# In your own VPC, the instance may reach HTTPS anywhere: your endpoint or NAT.
################################################################################

resource "aws_security_group" "vpc_endpoints" {
  count = local.create_vpc ? 1 : 0

  name        = "${var.name_prefix}-vpc-endpoints"
  description = "Interface endpoints (Secrets Manager): HTTPS from the DMS replication instance and listed groups only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name_prefix}-vpc-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "vpc_endpoints_from_replication_instance" {
  count = local.create_vpc ? 1 : 0

  security_group_id            = aws_security_group.vpc_endpoints[0].id
  description                  = "HTTPS from the DMS replication instance (endpoint secrets)"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.replication_instance.id

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "vpc_endpoints_from_clients" {
  # count, not for_each: the groups may be created in the same apply.
  count = local.create_vpc ? length(local.vpc_endpoint_client_security_group_ids) : 0

  security_group_id            = aws_security_group.vpc_endpoints[0].id
  description                  = "HTTPS from a function that calls Secrets Manager"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = local.vpc_endpoint_client_security_group_ids[count.index]

  tags = local.tags
}

resource "aws_vpc_endpoint" "secretsmanager" {
  count = local.create_vpc ? 1 : 0

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.secretsmanager"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = local.subnet_ids
  security_group_ids  = [aws_security_group.vpc_endpoints[0].id]
  private_dns_enabled = true

  tags = merge(local.tags, { Name = "${var.name_prefix}-secretsmanager" })
}

# create_target put the target's security group and its two rules under count.
moved {
  from = aws_security_group.target
  to   = aws_security_group.target[0]
}

moved {
  from = aws_vpc_security_group_egress_rule.replication_instance_to_target
  to   = aws_vpc_security_group_egress_rule.replication_instance_to_target[0]
}

moved {
  from = aws_vpc_security_group_ingress_rule.target_from_replication_instance
  to   = aws_vpc_security_group_ingress_rule.target_from_replication_instance[0]
}

# The rules of one group toward (or from) several places became one resource
# keyed by the place; the first moves above chain into these.
moved {
  from = aws_vpc_security_group_egress_rule.replication_instance_to_source
  to   = aws_vpc_security_group_egress_rule.replication_instance["source"]
}

moved {
  from = aws_vpc_security_group_egress_rule.replication_instance_to_target[0]
  to   = aws_vpc_security_group_egress_rule.replication_instance["target"]
}

moved {
  from = aws_vpc_security_group_egress_rule.replication_instance_to_secrets_manager[0]
  to   = aws_vpc_security_group_egress_rule.replication_instance["secrets_manager"]
}

moved {
  from = aws_vpc_security_group_egress_rule.replication_instance_to_aws_apis[0]
  to   = aws_vpc_security_group_egress_rule.replication_instance["aws_apis"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.source_from_replication_instance
  to   = aws_vpc_security_group_ingress_rule.source["replication_instance"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.source_from_prepare[0]
  to   = aws_vpc_security_group_ingress_rule.source["prepare"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.target_from_replication_instance[0]
  to   = aws_vpc_security_group_ingress_rule.target["replication_instance"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.target_from_prepare[0]
  to   = aws_vpc_security_group_ingress_rule.target["prepare"]
}
