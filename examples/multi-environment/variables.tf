variable "log_retention_in_days" {
  description = "Retention of the automation's Lambda log groups, in days."
  type        = number
  default     = 365
}

variable "region" {
  description = "AWS region of the example."
  type        = string
  default     = "eu-west-1"
}

variable "replication_instance_arn" {
  description = "The DMS replication instance every environment's task runs on."
  type        = string
  default     = "arn:aws:dms:eu-west-1:123456789012:rep:ORDERSREPLICATION"
}

variable "source_endpoint_arn" {
  description = "The DMS endpoint of the production source every environment is refreshed from."
  type        = string
  default     = "arn:aws:dms:eu-west-1:123456789012:endpoint:ORDERSPRODUCTION"
}

variable "target_secret_arns" {
  description = "Secrets Manager secret of each environment's database (JSON with username, password, host, port), by environment: dev, stage, qa."
  type        = map(string)
  default = {
    dev   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/dev/dms-AbCdEf"
    stage = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/stage/dms-AbCdEf"
    qa    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/qa/dms-AbCdEf"
  }

  validation {
    condition     = alltrue([for key in ["dev", "stage", "qa"] : contains(keys(var.target_secret_arns), key)])
    error_message = "target_secret_arns needs the secret of dev, stage and qa; got ${jsonencode(keys(var.target_secret_arns))}."
  }
}
