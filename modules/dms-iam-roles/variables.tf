################################################################################
# Inputs, in alphabetical order. Every input has a working default.
################################################################################

variable "create_access_for_endpoint_role" {
  description = "Also create dms-access-for-endpoint, the role DMS needs for Amazon Redshift targets (AmazonDMSRedshiftS3Role)."
  type        = bool
  default     = false
  nullable    = false
}

variable "iam_role_path" {
  description = "Path of the roles. AWS's instructions create them at \"/\" (no --path), and DMS names a missing role as arn:<partition>:iam::<account>:role/dms-vpc-role: keep \"/\" unless your landing zone requires another path, and check that DMS accepts the roles there (create a replication subnet group)."
  type        = string
  default     = "/"
  nullable    = false

  validation {
    # The same rule in every module (a test keeps the patterns identical).
    condition     = can(regex("^/([!-~]+/)?$", var.iam_role_path)) && length(var.iam_role_path) <= 512
    error_message = "iam_role_path = \"${var.iam_role_path}\" is not an IAM path; use \"/\" or a path that begins and ends with \"/\" (printable ASCII without spaces, at most 512 characters), e.g. \"/dms/\"."
  }
}

variable "iam_role_permissions_boundary" {
  description = "ARN of the managed policy set as the permissions boundary of every role. Null: no boundary."
  type        = string
  default     = null

  validation {
    condition     = var.iam_role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.iam_role_permissions_boundary))
    error_message = "iam_role_permissions_boundary = \"${coalesce(var.iam_role_permissions_boundary, "null")}\" is not a managed policy ARN; expected arn:<partition>:iam::<12-digit account>:policy/<path and name>, or null for no boundary."
  }
}

variable "tags" {
  description = "Tags of the roles."
  type        = map(string)
  default     = {}
  nullable    = false
}
