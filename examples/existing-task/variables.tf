variable "region" {
  description = "AWS region of the example."
  type        = string
  default     = "eu-west-1"
}

variable "replication_task_arn" {
  description = "ARN of your DMS replication task."
  type        = string
  default     = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
}

variable "replication_task_id" {
  description = "Identifier of the same task."
  type        = string
  default     = "weekly-reporting-copy"
}
