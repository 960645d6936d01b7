################################################################################
# The account-wide roles DMS requires, under the fixed names DMS looks for. They
# exist once per account: create them with this module in one configuration of
# the account (for example the account's own landing-zone configuration), never
# in every configuration that uses DMS.
# "Creating the IAM roles to use with the AWS CLI and AWS DMS API":
# https://docs.aws.amazon.com/dms/latest/userguide/security-iam.html#CHAP_Security.APIRole
################################################################################

data "aws_partition" "current" {}

locals {
  managed_policy_prefix = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role"
}

data "aws_iam_policy_document" "dms_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "dms_vpc" {
  name                 = "dms-vpc-role"
  description          = "Lets DMS manage the network interfaces of replication instances"
  path                 = var.iam_role_path
  permissions_boundary = var.iam_role_permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.dms_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "dms_vpc" {
  role       = aws_iam_role.dms_vpc.name
  policy_arn = "${local.managed_policy_prefix}/AmazonDMSVPCManagementRole"
}

resource "aws_iam_role" "dms_cloudwatch_logs" {
  name                 = "dms-cloudwatch-logs-role"
  description          = "Lets DMS write replication task logs to CloudWatch Logs"
  path                 = var.iam_role_path
  permissions_boundary = var.iam_role_permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.dms_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "dms_cloudwatch_logs" {
  role       = aws_iam_role.dms_cloudwatch_logs.name
  policy_arn = "${local.managed_policy_prefix}/AmazonDMSCloudWatchLogsRole"
}

################################################################################
# Amazon Redshift targets only: the role DMS uses to stage data in Amazon S3,
# trusted by DMS and Redshift (the same page).
################################################################################

data "aws_iam_policy_document" "access_for_endpoint_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com", "redshift.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "access_for_endpoint" {
  count = var.create_access_for_endpoint_role ? 1 : 0

  name                 = "dms-access-for-endpoint"
  description          = "Lets DMS stage data in Amazon S3 for Amazon Redshift targets"
  path                 = var.iam_role_path
  permissions_boundary = var.iam_role_permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.access_for_endpoint_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "access_for_endpoint" {
  count = var.create_access_for_endpoint_role ? 1 : 0

  role       = aws_iam_role.access_for_endpoint[0].name
  policy_arn = "${local.managed_policy_prefix}/AmazonDMSRedshiftS3Role"
}
