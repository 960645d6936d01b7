variable "aws_endpoint_url" {
  description = "Base URL of the local AWS emulator (python -m scripts.emulator prints it), e.g. http://127.0.0.1:4566. Every service the module uses is sent there."
  type        = string
  default     = "http://127.0.0.1:4566"
  nullable    = false

  validation {
    condition     = can(regex("^https?://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]{1,5})?/?$", var.aws_endpoint_url))
    error_message = "aws_endpoint_url = \"${var.aws_endpoint_url}\" is not a loopback URL; use http://127.0.0.1:<port> (the local example never talks to a real AWS account)."
  }
}

variable "masking_secret_arn" {
  description = "ARN of the Secrets Manager secret (in the emulator) of the target database the post-process Lambda masks after load: JSON with host, port, dbname, username, password. The demo creates it at run time for full-load combinations. Null: no masking."
  type        = string
  default     = null
}

variable "masking_vpc_config" {
  description = "Subnets and security groups (in the emulator) of the post-process Lambda when it masks; required with masking_secret_arn, as the module requires it for after-load masking."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "migration_refresh_indicator" {
  description = "data-refresh or data-migration (see the combination table in the module README)."
  type        = string
  default     = "data-refresh"
}

variable "migration_refresh_type" {
  description = "full-load, full-load-and-cdc or cdc: the DMS task's migration type."
  type        = string
  default     = "full-load"
}

variable "name_prefix" {
  description = "Prefix of every name the automation creates; null derives it from the task id."
  type        = string
  default     = null
}

variable "region" {
  description = "Region the emulator answers for; the task ARN must be in it."
  type        = string
  default     = "eu-west-1"
}

variable "replication_task_arn" {
  description = "ARN of the DMS task created in the emulator (the demo creates one with boto3)."
  type        = string
  default     = "arn:aws:dms:eu-west-1:123456789012:task:LOCALEXAMPLETASK0000000000"
}

variable "replication_task_id" {
  description = "Identifier of that task."
  type        = string
  default     = "local-example"
}

variable "schedule_expression" {
  description = "When the trigger fires (EventBridge cron or rate expression)."
  type        = string
  default     = "cron(0 0 * * ? *)"
}

variable "schedule_or_one_time" {
  description = "schedule (re-armed after every run) or one-time."
  type        = string
  default     = "schedule"
}
