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
