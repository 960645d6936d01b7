################################################################################
# Inputs, in alphabetical order. Required: migration_refresh_indicator,
# migration_refresh_type, replication_task_arn, replication_task_id,
# schedule_or_one_time.
################################################################################

variable "alarm_sns_topic_arn" {
  description = "SNS topic that receives the module's CloudWatch alarms (Lambda errors, task failed, failed invocations). Null: alarms are created without actions."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn = \"${coalesce(var.alarm_sns_topic_arn, "null")}\" is not an SNS topic ARN; expected arn:<partition>:sns:<region>:<12-digit account>:<topic name>, or null for alarms without actions."
  }
}

variable "automation_enabled" {
  description = "false pauses the automation (AUTOMATION_ENABLED): nothing starts, a run in flight is still post-processed, and the trigger is not re-armed until it is true again (the watchdog then re-arms it in schedule mode). A pause set by an operator ({\"dms_automation\": \"pause\"}) is kept apart and survives runs too."
  type        = bool
  default     = true
  nullable    = false
}

variable "check_cdc_source" {
  description = "With migration_refresh_type cdc or full-load-and-cdc: before the task's first start, the starter runs a DMS premigration assessment of the Oracle source's CDC prerequisites (archive-log mode and retention, supplemental logging, the DMS user's privileges) and refuses to start while one fails. The module then creates an encrypted S3 bucket for the results and the IAM role DMS writes them with. Set false for a task whose source is known to be prepared (modules/baseline prepares its own). Unused with full-load."
  type        = bool
  default     = true
  nullable    = false
}

variable "fail_on_unmasked_columns" {
  description = "After-load masking: whether a column that looks sensitive (masking_sensitive_column_patterns) and that no masking rule covers fails the run, keeping the trigger disabled, instead of a warning in the run report and the UnmaskedColumns metric. With true, an alarm watches the metric too."
  type        = bool
  default     = false
  nullable    = false
}

variable "iam_role_path" {
  description = "Path of every IAM role the module creates (a landing zone may require one). Default: \"/\"."
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
  description = "ARN of the managed policy set as the permissions boundary of every IAM role the module creates (a landing zone may require one). Null: no boundary."
  type        = string
  default     = null

  validation {
    condition     = var.iam_role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.iam_role_permissions_boundary))
    error_message = "iam_role_permissions_boundary = \"${coalesce(var.iam_role_permissions_boundary, "null")}\" is not a managed policy ARN; expected arn:<partition>:iam::<12-digit account>:policy/<path and name>, or null for no boundary."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN for the SNS topic, the Lambda environment, the log groups and the dead-letter queue; its key policy must admit DMS, CloudWatch Logs, SNS and EventBridge as the README lists. Null: the module creates a key for the topic, the Lambda environment and the log groups (kms_key_arn output), and the dead-letter queue uses SQS-managed encryption."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn = \"${coalesce(var.kms_key_arn, "null")}\" is not a KMS key ARN; expected arn:<partition>:kms:<region>:<12-digit account>:key/<key id> (an alias is not accepted: log groups and Lambda need the key ARN; the AWS managed alias/aws/sns cannot admit DMS), or null for a key created by the module."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period, in days (7-30), before the KMS key the module creates (kms_key_arn = null) is deleted after a destroy."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days = ${var.kms_key_deletion_window_in_days} is not allowed; use a whole number of days from 7 to 30."
  }
}

variable "lambda_tracing_mode" {
  description = "X-Ray tracing mode of both Lambdas: PassThrough or Active (Active also grants the X-Ray write actions)."
  type        = string
  default     = "PassThrough"
  nullable    = false

  validation {
    condition     = contains(["PassThrough", "Active"], var.lambda_tracing_mode)
    error_message = "lambda_tracing_mode = \"${var.lambda_tracing_mode}\" is not allowed; use PassThrough or Active."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the Lambdas' CloudWatch log groups, in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days = ${var.log_retention_in_days} is not a retention CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "masking_chunk_rows" {
  description = "Rows the post-process Lambda masks per transaction after load (MASKING_CHUNK_ROWS); smaller chunks hold row locks for less time."
  type        = number
  default     = 10000
  nullable    = false

  validation {
    condition     = var.masking_chunk_rows >= 1 && var.masking_chunk_rows <= 1000000 && floor(var.masking_chunk_rows) == var.masking_chunk_rows
    error_message = "masking_chunk_rows = ${var.masking_chunk_rows} is not allowed; use a whole number of rows from 1 to 1000000."
  }
}

variable "masking_coverage_schemas" {
  description = "Schemas of the target whose columns the coverage check reads after each masked load (base tables only). Empty: the schemas the masking rules name."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for s in var.masking_coverage_schemas : can(regex("^[A-Za-z0-9_$]{1,64}$", s))])
    error_message = "masking_coverage_schemas ${jsonencode(var.masking_coverage_schemas)}: every schema name must be 1-64 letters, digits, '_' or '$'."
  }
}

variable "masking_database" {
  description = "Where the post-process Lambda connects for after-load masking, for secrets that lack it: RDS-managed master user secrets hold only username and password. host, port and name fill in what the secret does not have (MASKING_DB_HOST, MASKING_DB_PORT, MASKING_DB_NAME); the secret wins where it has them."
  type = object({
    host = string
    port = optional(number, 3306)
    name = optional(string)
  })
  default = null

  validation {
    condition     = var.masking_database == null || try(length(trimspace(var.masking_database.host)) > 0 && var.masking_database.port >= 1 && var.masking_database.port <= 65535, false)
    error_message = "masking_database needs a non-empty host and a port between 1 and 65535 (or null when the secret has host and port)."
  }
}

variable "masking_default_where" {
  description = "Where a masking rule without its own where is applied: after_load (the post-process Lambda, SQL on the target) or dms (DMS transformation rules while loading; see the dms_transformation_rules output)."
  type        = string
  default     = "after_load"
  nullable    = false

  validation {
    condition     = contains(["after_load", "dms"], var.masking_default_where)
    error_message = "masking_default_where = \"${var.masking_default_where}\" is not allowed; use \"after_load\" or \"dms\"."
  }
}

variable "masking_key_secret_arn" {
  description = "Secrets Manager secret holding the HMAC key of the hash and fake_email masking rules (a random string of at least 32 characters; the post-process Lambda reads it at run time, never Terraform). Null: with such after-load rules the module creates an empty secret \"<name_prefix>-masking-key\", encrypted with the module's key, and the first run stores a generated 256-bit key in it. Rotating the key changes every hashed value; see the README."
  type        = string
  default     = null

  validation {
    condition     = var.masking_key_secret_arn == null || can(regex(local.secret_arn_pattern, var.masking_key_secret_arn))
    error_message = "masking_key_secret_arn = \"${coalesce(var.masking_key_secret_arn, "null")}\" is not a whole Secrets Manager secret ARN; ${local.secret_arn_allowed}; or null for a key the module creates."
  }
}

variable "masking_rules" {
  description = "Columns to mask, as data (see modules/automation/modules/masking-rules): { schema, table, column, strategy, where = optional, options = optional }. Rules applied by DMS come out as the dms_transformation_rules output (add them to the task's table mappings); rules applied after load are run by the post-process Lambda, which then needs masking_secret_arn and masking_vpc_config."
  type = list(object({
    schema   = string
    table    = string
    column   = string
    strategy = string
    where    = optional(string)
    options = optional(object({
      allow_unkeyed_hash = optional(bool)
      salt               = optional(string)
      keep_last          = optional(number)
      mask_char          = optional(string)
      value              = optional(string)
      domain             = optional(string)
    }), {})
  }))
  default  = []
  nullable = false

  validation {
    condition = length([for r in var.masking_rules : r if coalesce(r.where, var.masking_default_where) == "after_load"]) == 0 || (
      var.masking_secret_arn != null && var.masking_vpc_config != null
    )
    error_message = "masking_rules masks ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column}" if coalesce(r.where, var.masking_default_where) == "after_load"])} after load, which needs the target database: give masking_secret_arn (the Secrets Manager secret with the target's username, password, host, port, dbname; now ${var.masking_secret_arn == null ? "null" : "set"}) and masking_vpc_config (subnets and security groups from which the post-process Lambda reaches the target; now ${var.masking_vpc_config == null ? "null" : "set"}), or set where = \"dms\" on rules DMS can apply."
  }
  validation {
    # A full-load-and-cdc or cdc task never stops by itself: after-load masking
    # would never run while CDC keeps writing unmasked rows.
    condition     = !contains(local.continuous_types, var.migration_refresh_type) || length([for r in var.masking_rules : r if coalesce(r.where, var.masking_default_where) == "after_load"]) == 0
    error_message = "masking_rules masks ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column}" if coalesce(r.where, var.masking_default_where) == "after_load"])} after load, but migration_refresh_type = \"${var.migration_refresh_type}\": a ${var.migration_refresh_type} task never stops by itself, so after-load masking would never run while CDC keeps writing unmasked rows. Set where = \"dms\" on these rules (DMS-native masking rules: hash, randomize_digits, mask_digits, which DMS applies to ongoing changes as well), or use migration_refresh_type = \"full-load\"."
  }

}

variable "masking_secret_arn" {
  description = "Secrets Manager secret of the target database (JSON with username, password, host, port, dbname) that the post-process Lambda reads to mask after load (MASKING_SECRET_ARN). Needed with after-load masking rules; otherwise unused."
  type        = string
  default     = null

  validation {
    condition     = var.masking_secret_arn == null || can(regex(local.secret_arn_pattern, var.masking_secret_arn))
    error_message = "masking_secret_arn = \"${coalesce(var.masking_secret_arn, "null")}\" is not a whole Secrets Manager secret ARN; ${local.secret_arn_allowed}; or null."
  }
}

variable "masking_sensitive_column_patterns" {
  description = "Regular expressions (Python syntax, searched case-insensitively in each column name) of the columns that look sensitive: after each masked load, columns matching one that no masking rule covers are reported (and fail the run with fail_on_unmasked_columns). The default covers e-mail, phone, SSN, national and tax IDs, birth dates, cards, IBAN and bank accounts, addresses, passports, salaries, personal names and driver's licences. Empty: no check."
  type        = list(string)
  default = [
    "e_?mail",
    "phone|mobile|(^|_)fax($|_)",
    "(^|_)ssn($|_)|social_?security",
    "national_?id|(^|_)nin($|_)|tax_?(id|identifier|number)",
    "birth|(^|_)dob($|_)",
    "card_?(number|no|num)|credit_?card|(^|_)card($|_)|(^|_)cvv($|_)",
    "iban|bank_?account|account_?number",
    "address|street|postal_?code|zip_?code|post_?code",
    "passport",
    "salary|wage|income",
    "(^|_)(first|last|middle|full|given|family|sur|maiden|user|customer|contact)_?name($|_)|^name$",
    "driver_?licen[cs]e",
  ]
  nullable = false

  validation {
    condition     = alltrue([for p in var.masking_sensitive_column_patterns : length(p) > 0 && can(regexall(p, ""))])
    error_message = "masking_sensitive_column_patterns: every pattern must be a non-empty regular expression; check: ${join(", ", [for p in var.masking_sensitive_column_patterns : jsonencode(p) if !(length(p) > 0 && can(regexall(p, "")))])}."
  }
}

variable "masking_vpc_config" {
  description = "Subnets and security groups of the post-process Lambda when it masks after load: the security groups must be allowed into the target database, and the subnets need a route to the DMS, EventBridge, Lambda, Secrets Manager and SSM APIs (a NAT gateway or interface endpoints). Unused without after-load masking rules."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null

  validation {
    condition     = var.masking_vpc_config == null || try(length(var.masking_vpc_config.subnet_ids) > 0 && length(var.masking_vpc_config.security_group_ids) > 0, false)
    error_message = "masking_vpc_config needs at least one subnet id and one security group id (or null without after-load masking)."
  }
}

variable "migration_refresh_indicator" {
  description = "What the runs are for: data-refresh (refresh a lower environment) or data-migration."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["data-refresh", "data-migration"], var.migration_refresh_indicator)
    error_message = "migration_refresh_indicator = \"${var.migration_refresh_indicator}\" is not allowed; use data-refresh or data-migration."
  }
}

variable "migration_refresh_type" {
  description = "The DMS task's migration type: full-load, full-load-and-cdc or cdc."
  type        = string
  nullable    = false

  validation {
    condition     = contains(local.migration_types, var.migration_refresh_type)
    error_message = "migration_refresh_type = \"${var.migration_refresh_type}\" is not allowed; use full-load, full-load-and-cdc or cdc."
  }
}

variable "name_prefix" {
  description = "Prefix of every name the module creates: lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit, at most 51 characters (the longest derived names, the Lambda and IAM role \"<name_prefix>-post-process\", are limited to 64). Every module of this repository takes the same rule. Null: \"dms-<replication_task_id>\" in lower case, cut to 51 characters."
  type        = string
  default     = null

  validation {
    # The one naming rule of every module (modules/baseline, the root module; a test
    # keeps the pattern identical): what Lambda, IAM, DMS and RDS names all accept.
    condition     = var.name_prefix == null || (can(regex("^[a-z](-?[a-z0-9])*$", var.name_prefix)) && length(coalesce(var.name_prefix, "-")) <= 51)
    error_message = "name_prefix = \"${coalesce(var.name_prefix, "null")}\" (${length(coalesce(var.name_prefix, "-"))} characters) is not allowed; use lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit, at most 51 characters (Lambda and IAM role names are at most 64 characters and the longest suffix is \"-post-process\"; IAM does not tell names apart by case), or null."
  }
}

variable "notification_endpoints" {
  description = "Extra subscribers of the topic that carries the task's DMS events: a list of { protocol = \"email\" | \"https\", endpoint }."
  type = list(object({
    protocol = string
    endpoint = string
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for e in var.notification_endpoints : contains(["email", "https"], e.protocol)])
    error_message = "notification_endpoints protocols ${jsonencode([for e in var.notification_endpoints : e.protocol])}: every protocol must be \"email\" or \"https\"."
  }

  validation {
    condition = alltrue([
      for e in var.notification_endpoints :
      e.protocol == "email" ? can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e.endpoint)) : can(regex("^https://[^\\s]+$", e.endpoint))
    ])
    error_message = "notification_endpoints endpoints ${jsonencode([for e in var.notification_endpoints : e.endpoint])}: an email endpoint must be an e-mail address and an https endpoint a URL starting with https://."
  }
}

variable "post_process_timeout" {
  description = "Timeout of the post-process Lambda, in seconds (1-900)."
  type        = number
  default     = 900
  nullable    = false

  validation {
    condition     = var.post_process_timeout >= 1 && var.post_process_timeout <= 900 && floor(var.post_process_timeout) == var.post_process_timeout
    error_message = "post_process_timeout = ${var.post_process_timeout} is not allowed; use a whole number of seconds from 1 to 900."
  }
}

variable "replication_task_arn" {
  description = "ARN of the existing DMS replication task to automate. Its partition, region and account name every ARN the module builds; the region must be the provider's."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:task:[A-Za-z0-9-]+$", var.replication_task_arn))
    error_message = "replication_task_arn = \"${var.replication_task_arn}\" is not a DMS replication task ARN; expected arn:<partition>:dms:<region>:<12-digit account>:task:<resource id>, e.g. arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ."
  }
}

variable "replication_task_id" {
  description = "Identifier of the same task (ReplicationTaskIdentifier), which DMS event subscriptions use instead of the ARN."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,254}$", var.replication_task_id)) && !endswith(var.replication_task_id, "-") && !strcontains(var.replication_task_id, "--")
    error_message = "replication_task_id = \"${var.replication_task_id}\" is not a DMS identifier; use 1-255 letters, digits and hyphens, starting with a letter, without a trailing hyphen or two consecutive hyphens."
  }
}

variable "schedule_expression" {
  description = "When the trigger fires: an EventBridge cron(...) or rate(...) expression, in UTC."
  type        = string
  default     = "cron(0 0 * * ? *)"
  nullable    = false

  validation {
    condition     = can(regex(local.schedule_expression_pattern, var.schedule_expression))
    error_message = "schedule_expression = \"${var.schedule_expression}\" is not an EventBridge schedule expression; ${local.schedule_expression_allowed}."
  }
}

variable "schedule_or_one_time" {
  description = "schedule: the trigger is re-armed after every successful run; one-time: one run, then the trigger stays disabled."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["schedule", "one-time"], var.schedule_or_one_time)
    error_message = "schedule_or_one_time = \"${var.schedule_or_one_time}\" is not allowed; use schedule or one-time."
  }

  validation {
    condition     = contains(local.valid_combination_labels, "${var.migration_refresh_indicator}/${var.migration_refresh_type}/${var.schedule_or_one_time}")
    error_message = "migration_refresh_indicator/migration_refresh_type/schedule_or_one_time = ${var.migration_refresh_indicator}/${var.migration_refresh_type}/${var.schedule_or_one_time} is not a valid combination; valid: ${join("; ", local.valid_combination_labels)}."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days Secrets Manager keeps the masking key secret this module creates after a destroy before deleting it for good: 0 deletes it at once, so the environment can be destroyed and created again under the same name straight away (a secret scheduled for deletion keeps its name taken); 7-30 keeps a window to restore the key (then a re-creation under the same name fails until the window ends, or until you restore the secret and import it). Default 0: the key is this module's own and generated again on first use, and every refresh masks every table again, so a new key changes masked values from the next run on only."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30 && floor(var.secret_recovery_window_in_days) == var.secret_recovery_window_in_days)
    error_message = "secret_recovery_window_in_days = ${var.secret_recovery_window_in_days} is not allowed; Secrets Manager takes 0 (delete at once) or a whole number of days from 7 to 30 (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html)."
  }
}

variable "starter_timeout" {
  description = "Timeout of the starter Lambda, in seconds (1-900). Both endpoint connection tests run at once and wait at most 240 s (CONNECTION_TEST_TIMEOUT_SECONDS), and never past this timeout less 60 s, which the start keeps."
  type        = number
  default     = 360
  nullable    = false

  validation {
    condition     = var.starter_timeout >= 1 && var.starter_timeout <= 900 && floor(var.starter_timeout) == var.starter_timeout
    error_message = "starter_timeout = ${var.starter_timeout} is not allowed; use a whole number of seconds from 1 to 900."
  }
}

variable "state_table_deletion_protection" {
  description = "Turn on deletion protection of the run-state DynamoDB table (off by default, so that terraform destroy works; the table holds only the current run's state)."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "task_resource_arns" {
  description = "ARNs of the task's replication instance and its source and target endpoints, the only resources the starter may TestConnection (see test_endpoint_connections). Null: they are only known at run time, and the grant covers every DMS endpoint and replication instance of the task's account and region. The root module passes the baseline's."
  type = object({
    replication_instance_arn = string
    source_endpoint_arn      = string
    target_endpoint_arn      = string
  })
  default = null

  validation {
    condition = var.task_resource_arns == null || (
      can(regex("^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:rep:[A-Za-z0-9-]+$", var.task_resource_arns.replication_instance_arn))
      && can(regex("^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:endpoint:[A-Za-z0-9-]+$", var.task_resource_arns.source_endpoint_arn))
      && can(regex("^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:endpoint:[A-Za-z0-9-]+$", var.task_resource_arns.target_endpoint_arn))
    )
    error_message = "task_resource_arns = ${jsonencode(var.task_resource_arns)} does not hold DMS ARNs; expected { replication_instance_arn = arn:<partition>:dms:<region>:<account>:rep:<id>, source_endpoint_arn and target_endpoint_arn = arn:<partition>:dms:<region>:<account>:endpoint:<id> }, or null."
  }
}

variable "test_endpoint_connections" {
  description = "Whether the starter tests the task's source and target endpoint connections before it starts the task (TEST_ENDPOINT_CONNECTIONS)."
  type        = bool
  default     = true
  nullable    = false
}

variable "watchdog_schedule_expression" {
  description = "How often the watchdog rule (schedule mode only) invokes the starter to re-arm a trigger left disabled with no run in flight: an EventBridge rate(...) or cron(...) expression."
  type        = string
  default     = "rate(1 hour)"
  nullable    = false

  validation {
    condition     = can(regex(local.schedule_expression_pattern, var.watchdog_schedule_expression))
    error_message = "watchdog_schedule_expression = \"${var.watchdog_schedule_expression}\" is not an EventBridge schedule expression; ${local.schedule_expression_allowed}."
  }
}
