variable "create_dms_iam_roles" {
  description = "Create dms-vpc-role and dms-cloudwatch-logs-role (once per account)."
  type        = bool
  default     = false
}

variable "oracle_driver_layer_arn" {
  description = "Lambda layer version with python-oracledb (Python 3.12, x86_64) for the baseline's database preparation function (it creates the DMS user on the Oracle source); a plan without it is refused."
  type        = string
}

variable "region" {
  description = "AWS region of the example."
  type        = string
  default     = "eu-west-1"
}
