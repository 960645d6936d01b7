################################################################################
# Inputs: the three mode inputs first (required), then the rest alphabetically.
################################################################################

variable "migration_refresh_indicator" {
  description = "data-refresh (a recurring copy of production into a lower environment) or data-migration (move a database). With migration_refresh_type and schedule_or_one_time it must be one of the six valid combinations."
  type        = string
}

variable "migration_refresh_type" {
  description = "The DMS task's migration type: full-load, full-load-and-cdc or cdc."
  type        = string
}

variable "schedule_or_one_time" {
  description = "schedule (a cron trigger re-armed after every successful run) or one-time (one run, then the trigger stays disabled)."
  type        = string
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic the automation's alarms notify. Null: alarms without actions."
  type        = string
  default     = null
}

variable "automation" {
  description = "Settings of modules/automation that the root module does not set itself; every attribute is optional and falls back to that module's default (see modules/automation/README.md). check_cdc_source: null checks a CDC source unless the baseline prepares it. With environments, every environment's automation gets these settings."
  type = object({
    check_cdc_source                = optional(bool)
    kms_key_deletion_window_in_days = optional(number)
    lambda_tracing_mode             = optional(string)
    masking_chunk_rows              = optional(number)
    post_process_timeout            = optional(number)
    secret_recovery_window_in_days  = optional(number)
    starter_timeout                 = optional(number)
    state_table_deletion_protection = optional(bool)
    test_endpoint_connections       = optional(bool)
    watchdog_schedule_expression    = optional(string)
  })
  default  = {}
  nullable = false
}

variable "automation_enabled" {
  description = "false pauses the automation: nothing starts, a run in flight is still post-processed, and the trigger is not re-armed until it is true again (see modules/automation)."
  type        = bool
  default     = true
  nullable    = false
}

variable "baseline" {
  description = "Settings of modules/baseline when create_baseline = true (ignored otherwise); every attribute is optional and falls back to that module's default. See modules/baseline/README.md."
  type = object({
    availability_zones                     = optional(list(string))
    create_dms_iam_roles                   = optional(bool) # no longer supported: modules/dms-iam-roles
    deletion_protection                    = optional(bool)
    extra_table_mapping_rules              = optional(any)
    oracle_driver_layer_arn                = optional(string)
    prepare_databases                      = optional(bool)
    private_subnet_cidrs                   = optional(list(string))
    replication_instance_allocated_storage = optional(number)
    replication_instance_class             = optional(string)
    replication_instance_engine_version    = optional(string)
    replication_instance_multi_az          = optional(bool)
    replication_task_settings_json         = optional(string)
    secret_recovery_window_in_days         = optional(number)
    skip_final_snapshot                    = optional(bool)
    source_allocated_storage               = optional(number)
    source_database_name                   = optional(string)
    source_dms_secret_arn                  = optional(string)
    source_dms_username                    = optional(string)
    source_engine                          = optional(string)
    source_engine_version                  = optional(string)
    source_instance_class                  = optional(string)
    source_license_model                   = optional(string)
    source_master_username                 = optional(string)
    source_snapshot_identifier             = optional(string)
    subnet_ids                             = optional(list(string))
    table_mappings_json                    = optional(string)
    target_allowed_security_group_ids      = optional(list(string))
    target_database_name                   = optional(string)
    target_dms_secret_arn                  = optional(string)
    target_dms_username                    = optional(string)
    target_engine_version                  = optional(string)
    target_instance_class                  = optional(string)
    target_master_username                 = optional(string)
    vpc_cidr                               = optional(string)
    vpc_id                                 = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.baseline.create_dms_iam_roles != true
    error_message = "baseline.create_dms_iam_roles = true is no longer supported: the account-wide DMS roles (dms-vpc-role, dms-cloudwatch-logs-role) have fixed names, so two roots that both created them fought over them. Create them once per account with modules/dms-iam-roles and remove create_dms_iam_roles; roles created by an earlier version are kept in AWS and can be imported into that module (CHANGELOG.md, \"Upgrading\")."
  }
}

variable "create_baseline" {
  description = "Create the network, the Oracle source, the Aurora MySQL target and the DMS task (modules/baseline). Give exactly one of create_baseline = true, or replication_task_arn and replication_task_id."
  type        = bool
  default     = false
  nullable    = false

  validation {
    # With environments on shared_source instead of the baseline, the tasks are the environments'.
    condition = (
      var.create_baseline || var.shared_source != null
      ? var.replication_task_arn == null && var.replication_task_id == null
      : var.replication_task_arn != null && var.replication_task_id != null
    )
    error_message = "Give exactly one of: create_baseline = true (the module creates the DMS task), or replication_task_arn and replication_task_id (a task you already have). Got create_baseline = ${var.create_baseline}, replication_task_arn = ${var.replication_task_arn == null ? "null" : "\"${var.replication_task_arn}\""}, replication_task_id = ${var.replication_task_id == null ? "null" : "\"${var.replication_task_id}\""}. With environments, the shared source is create_baseline = true or shared_source, and neither replication_task_arn nor replication_task_id is given (each environment has its own task)."
  }
}

variable "environments" {
  description = "Environments refreshed from one shared source, by key (dev, stage, qa...): each gets its own target, DMS endpoint and task on the shared replication instance and source endpoint, and its own automation, all named \"<name_prefix>-<key>\". Every attribute is optional and falls back to the root input of the same name (mode inputs, schedule, table selection, masking, notifications); masking rules must be applied by DMS (where = \"dms\"). target: a created Aurora MySQL cluster (create = true, the default) or a database you bring (create = false, secret_arn). The shared source is the baseline's (create_baseline = true, which then creates no target and no task of its own) or shared_source. Empty: one task, as without this input."
  type = map(object({
    migration_refresh_indicator = optional(string)
    migration_refresh_type      = optional(string)
    schedule_or_one_time        = optional(string)
    schedule_expression         = optional(string)
    automation_enabled          = optional(bool)
    table_selection = optional(list(object({
      schema = string
      table  = optional(string, "%")
      action = optional(string, "include")
      name   = optional(string)
      filters = optional(list(object({
        column = string
        conditions = list(object({
          operator = string
          value    = optional(string)
          start    = optional(string)
          end      = optional(string)
        }))
      })), [])
    })))
    masking_rules = optional(list(object({
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
    })))
    masking_default_where = optional(string)
    notification_endpoints = optional(list(object({
      protocol = string
      endpoint = string
    })))
    alarm_sns_topic_arn            = optional(string)
    replication_task_settings_json = optional(string)
    tags                           = optional(map(string), {})
    target = optional(object({
      create          = optional(bool, true)
      secret_arn      = optional(string)
      engine_name     = optional(string, "aurora")
      database_name   = optional(string, "app")
      dms_username    = optional(string, "dms_target")
      engine_version  = optional(string)
      instance_class  = optional(string, "db.r6g.large")
      master_username = optional(string, "dmsadmin")
    }), {})
  }))
  default  = {}
  nullable = false

  validation {
    # The one naming rule (name_prefix's); the length of "<name_prefix>-<key>" is
    # checked with name_prefix.
    condition     = alltrue([for key in keys(var.environments) : can(regex("^[a-z](-?[a-z0-9])*$", key))])
    error_message = "environments keys become part of every name the environment creates (\"<name_prefix>-<key>\"): use lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit; check ${join(", ", [for key in keys(var.environments) : "\"${key}\"" if !can(regex("^[a-z](-?[a-z0-9])*$", key))])}."
  }

  validation {
    condition     = length(var.environments) > 0 || var.shared_source == null
    error_message = "shared_source is the source of environments: give environments too, or drop shared_source (one task: create_baseline = true, or replication_task_arn and replication_task_id)."
  }

  validation {
    condition     = length(var.environments) == 0 || (var.create_baseline != (var.shared_source != null))
    error_message = "environments share one source: give exactly one of create_baseline = true (the baseline creates the source and the replication instance) or shared_source (your replication instance and source endpoint). Got create_baseline = ${var.create_baseline}, shared_source ${var.shared_source == null ? "null" : "set"}."
  }

  validation {
    condition = alltrue(flatten([
      for key, env in var.environments : [
        for rule in(env.masking_rules != null ? env.masking_rules : var.masking_rules) :
        coalesce(rule.where, env.masking_default_where, var.masking_default_where) == "dms"
      ]
    ]))
    error_message = "environments mask with DMS only (where = \"dms\": hash, randomize_digits, mask_digits), not after load; set where = \"dms\" (or masking_default_where = \"dms\") for: ${join(", ", flatten([for key, env in var.environments : [for rule in(env.masking_rules != null ? env.masking_rules : var.masking_rules) : "${key}: ${rule.schema}.${rule.table}.${rule.column}" if coalesce(rule.where, env.masking_default_where, var.masking_default_where) != "dms"]]))}."
  }

  validation {
    condition     = alltrue([for key, env in var.environments : env.target.create || env.target.secret_arn != null])
    error_message = "environments with target.create = false need target.secret_arn (the Secrets Manager secret of the target you bring: username, password, host, port); missing for: ${join(", ", [for key, env in var.environments : key if !env.target.create && env.target.secret_arn == null])}."
  }
}

variable "fail_on_unmasked_columns" {
  description = "After-load masking: whether a column that looks sensitive and that no masking rule covers fails the run (the trigger stays disabled) instead of a warning and a metric (see modules/automation)."
  type        = bool
  default     = false
  nullable    = false
}

variable "iam_role_path" {
  description = "Path of every IAM role modules/automation and modules/baseline create (a landing zone may require one; modules/dms-iam-roles takes its own). Default: \"/\"."
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
  description = "ARN of the managed policy set as the permissions boundary of every IAM role modules/automation and modules/baseline create (a landing zone may require one; modules/dms-iam-roles takes its own). Null: no boundary."
  type        = string
  default     = null

  validation {
    condition     = var.iam_role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.iam_role_permissions_boundary))
    error_message = "iam_role_permissions_boundary = \"${coalesce(var.iam_role_permissions_boundary, "null")}\" is not a managed policy ARN; expected arn:<partition>:iam::<12-digit account>:policy/<path and name>, or null for no boundary."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for everything that takes one (databases, secrets, DMS, SNS, Lambda environment, logs); its key policy must admit DMS, CloudWatch Logs, SNS and EventBridge (see modules/automation). Null: AWS managed keys for the baseline, and a key created by the automation for its topic, Lambdas and log groups (its dead-letter queue then uses SQS-managed encryption)."
  type        = string
  default     = null
}

variable "log_retention_in_days" {
  description = "Retention of the Lambdas' log groups, in days."
  type        = number
  default     = 365
  nullable    = false
}

variable "masking_coverage_schemas" {
  description = "Schemas of the target the masking coverage check reads after each masked load. Empty: the schemas the masking rules name (see modules/automation)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "masking_database" {
  description = "Without the baseline: where the post-process Lambda connects for after-load masking when masking_secret_arn lacks host/port (RDS-managed master secrets do). Ignored with create_baseline = true, which passes the created target cluster's endpoint."
  type = object({
    host = string
    port = optional(number, 3306)
    name = optional(string)
  })
  default = null
}

variable "masking_default_where" {
  description = "Where a masking rule without its own where is applied: after_load (the post-process Lambda masks the target with SQL) or dms (DMS transformation rules while loading)."
  type        = string
  default     = "after_load"
  nullable    = false
}

variable "masking_key_secret_arn" {
  description = "Secrets Manager secret holding the HMAC key of the hash and fake_email masking rules (see modules/automation). Null: the automation creates the secret and its post-process Lambda stores a generated key in it on first use."
  type        = string
  default     = null
}

variable "masking_rules" {
  description = "Columns to mask, as data (see modules/automation/modules/masking-rules). With create_baseline, rules applied by DMS are added to the created task's table mappings, and after-load rules put the post-process Lambda in the baseline's subnets with access to the target and its secret. Without it, add the automation's dms_transformation_rules to your task yourself and give masking_secret_arn and masking_vpc_config for after-load rules."
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
}

variable "masking_secret_arn" {
  description = "Without create_baseline: the Secrets Manager secret of your target database, for after-load masking (see modules/automation). Ignored with create_baseline (the masking user's secret the baseline creates is used: its masking_secret_arn output)."
  type        = string
  default     = null
}

variable "masking_sensitive_column_patterns" {
  description = "Regular expressions of the column names that look sensitive, for the masking coverage check. Null: the default list of modules/automation (e-mail, phone, SSN, national ID, birth, card, IBAN, address, passport, salary, names...)."
  type        = list(string)
  default     = null
}

variable "masking_vpc_config" {
  description = "Without create_baseline: { subnet_ids, security_group_ids } of the post-process Lambda for after-load masking (see modules/automation). Ignored with create_baseline (the baseline's subnets and a security group the target admits are used)."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "name_prefix" {
  description = "Prefix of every name the modules create: lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit; at most 45 characters with create_baseline (the longest name, the IAM role \"<name_prefix>-dms-secrets-access\", is limited to 64), 51 without. Required with create_baseline and with environments (each environment's names are \"<name_prefix>-<key>\"): each root in an account and region needs its own. Null without them: \"dms-<task id>\" (see modules/automation)."
  type        = string
  default     = null

  validation {
    condition     = !(var.create_baseline || length(var.environments) > 0) || var.name_prefix != null
    error_message = "name_prefix is required with create_baseline = true and with environments: every name the baseline, the environments (\"<name_prefix>-<key>\") and the automation create (IAM roles, DMS and RDS identifiers, the Lambdas, the run-state tables, the KMS aliases, secrets, log groups...) derives from it and must be unique in the account and region, so two roots with the same prefix (or none) would fight over them (two teams' \"dev\" environments, for one). Give each root its own, e.g. name_prefix = \"team-a-orders\"."
  }

  validation {
    # The one naming rule of every module (modules/automation, modules/baseline,
    # modules/environment; a test keeps the pattern identical), checked here so
    # that the message points at your own line.
    condition     = var.name_prefix == null || (can(regex("^[a-z](-?[a-z0-9])*$", var.name_prefix)) && length(coalesce(var.name_prefix, "-")) <= (var.create_baseline ? 45 : 51))
    error_message = "name_prefix = \"${coalesce(var.name_prefix, "null")}\" (${length(coalesce(var.name_prefix, "-"))} characters) is not allowed; use lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit, at most ${var.create_baseline ? "45 characters with create_baseline (the IAM role \"<name_prefix>-dms-secrets-access\" is limited to 64)" : "51 characters (the Lambda and IAM role \"<name_prefix>-post-process\" are limited to 64)"}. DMS and RDS identifiers take no upper case, underscore, double or trailing hyphen, and IAM does not tell names apart by case."
  }

  validation {
    # Each environment's names are "<name_prefix>-<key>" (modules/environment's
    # name_prefix), whose longest is the IAM role "<name_prefix>-<key>-dms-secrets-access".
    condition     = alltrue([for key in keys(var.environments) : length(coalesce(var.name_prefix, "-")) + 1 + length(key) <= 45])
    error_message = "name_prefix = \"${coalesce(var.name_prefix, "null")}\" with environments: \"<name_prefix>-<key>\" is the prefix of every name an environment creates and has at most 45 characters (the IAM role \"<name_prefix>-<key>-dms-secrets-access\" is limited to 64); shorten name_prefix or the key of ${join(", ", [for key in keys(var.environments) : "\"${key}\" (\"${coalesce(var.name_prefix, "-")}-${key}\", ${length(coalesce(var.name_prefix, "-")) + 1 + length(key)} characters)" if length(coalesce(var.name_prefix, "-")) + 1 + length(key) > 45])}."
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
}

variable "replication_task_arn" {
  description = "ARN of a DMS replication task you already have (with replication_task_id; not with create_baseline)."
  type        = string
  default     = null
}

variable "replication_task_id" {
  description = "Identifier of that task (with replication_task_arn; not with create_baseline)."
  type        = string
  default     = null
}

variable "schedule_expression" {
  description = "When a scheduled run starts (EventBridge cron or rate expression). Default: 00:00 UTC daily."
  type        = string
  default     = "cron(0 0 * * ? *)"
  nullable    = false

  validation {
    condition     = can(regex(local.schedule_expression_pattern, var.schedule_expression))
    error_message = "schedule_expression = \"${var.schedule_expression}\" is not an EventBridge schedule expression; ${local.schedule_expression_allowed}."
  }
}

variable "shared_source" {
  description = "With environments and without create_baseline: the DMS replication instance and source endpoint you already have, which every environment's task uses; for targets the environments create, also the network (vpc_id, the DB subnet group and the replication instance's security group, which the targets admit)."
  type = object({
    replication_instance_arn               = string
    source_endpoint_arn                    = string
    vpc_id                                 = optional(string)
    db_subnet_group_name                   = optional(string)
    replication_instance_security_group_id = optional(string)
  })
  default = null

}

variable "table_selection" {
  description = "Which tables the created task replicates (create_baseline only): rules rendered into DMS selection rules; see modules/baseline. Null: every table of every schema."
  type = list(object({
    schema = string
    table  = optional(string, "%")
    action = optional(string, "include")
    name   = optional(string)
    filters = optional(list(object({
      column = string
      conditions = list(object({
        operator = string
        value    = optional(string)
        start    = optional(string)
        end      = optional(string)
      }))
    })), [])
  }))
  default = null

  validation {
    # The baseline's own check, repeated here so that the refusal points at this input.
    condition     = alltrue([for rule in(var.table_selection == null ? [] : var.table_selection) : try(trimspace(rule.schema), "") != "" && try(trimspace(rule.table), "") != ""])
    error_message = "table_selection needs a schema and a table name (or a % pattern) in every rule; empty in: ${join(", ", [for i, rule in(var.table_selection == null ? [] : var.table_selection) : "[${i}] schema = ${jsonencode(rule.schema)}, table = ${jsonencode(rule.table)}" if try(trimspace(rule.schema), "") == "" || try(trimspace(rule.table), "") == ""])}. Use % for every schema or table, e.g. { schema = \"HR\", table = \"%\" }."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
  nullable    = false
}
