variable "create_dms_iam_roles" {
  description = "Create dms-vpc-role and dms-cloudwatch-logs-role (once per account)."
  type        = bool
  default     = false
}

variable "region" {
  description = "AWS region of the example."
  type        = string
  default     = "eu-west-1"
}
