################################################################################
# Inputs: the required ones first, then the rest alphabetically.
################################################################################

variable "name_prefix" {
  description = "Prefix of every name this environment gives (its endpoint, task, target, secret and role): lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit, at most 45 characters (the longest derived name, the IAM role \"<name_prefix>-dms-secrets-access\", is limited to 64). The root module uses \"<name_prefix>-<environment key>\"."
  type        = string
  nullable    = false

  validation {
    # The one naming rule of every module (the root module, modules/automation,
    # modules/baseline; a test keeps the pattern identical).
    condition     = can(regex("^[a-z](-?[a-z0-9])*$", var.name_prefix)) && length(var.name_prefix) <= 45
    error_message = "name_prefix = \"${var.name_prefix}\" (${length(var.name_prefix)} characters) is not allowed; use lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit, at most 45 characters (DMS and RDS identifiers take no upper case, underscore, double or trailing hyphen; the longest derived name, \"<name_prefix>-dms-secrets-access\", is an IAM role name of at most 64 characters)."
  }
}

variable "replication_instance_arn" {
  description = "ARN of the shared DMS replication instance the task runs on (modules/baseline's replication_instance_arn, or your own)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:rep:[A-Za-z0-9-]+$", var.replication_instance_arn))
    error_message = "replication_instance_arn = \"${var.replication_instance_arn}\" is not a DMS replication instance ARN; expected arn:<partition>:dms:<region>:<12-digit account>:rep:<resource id>."
  }
}

variable "source_endpoint_arn" {
  description = "ARN of the shared DMS source endpoint (modules/baseline's source_endpoint_arn, or your own)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:endpoint:[A-Za-z0-9-]+$", var.source_endpoint_arn))
    error_message = "source_endpoint_arn = \"${var.source_endpoint_arn}\" is not a DMS endpoint ARN; expected arn:<partition>:dms:<region>:<12-digit account>:endpoint:<resource id>."
  }
}

variable "create_target" {
  description = "Create the target: an Aurora MySQL cluster and instance in vpc_id (target_db_subnet_group_name, admitting replication_instance_security_group_id on 3306) and the secret of its DMS user. false: a target you already have, named by target_secret_arn."
  type        = bool
  default     = true
  nullable    = false
}

variable "deletion_protection" {
  description = "Protect a created target cluster from deletion."
  type        = bool
  default     = true
  nullable    = false
}

variable "extra_table_mapping_rules" {
  description = "More DMS table-mapping rules appended after the selection rules, typically this environment's masking transformation rules (modules/automation's dms_transformation_rules): a list of rule objects, or JSON of one (see modules/table-mappings)."
  type        = any
  default     = []
  nullable    = false
}

variable "iam_role_path" {
  description = "Path of the IAM role this module creates (a landing zone may require one). Default: \"/\"."
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
  description = "ARN of the managed policy set as the permissions boundary of the IAM role this module creates (a landing zone may require one). Null: no boundary."
  type        = string
  default     = null

  validation {
    condition     = var.iam_role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.iam_role_permissions_boundary))
    error_message = "iam_role_permissions_boundary = \"${coalesce(var.iam_role_permissions_boundary, "null")}\" is not a managed policy ARN; expected arn:<partition>:iam::<12-digit account>:policy/<path and name>, or null for no boundary."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for a created target's storage and master secret, the DMS user's secret and the endpoint. Null: the AWS managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN like arn:aws:kms:eu-west-1:123456789012:key/<key id>, or null."
  }
}

variable "migration_refresh_type" {
  description = "The task's migration type: full-load, full-load-and-cdc or cdc."
  type        = string
  default     = "full-load"
  nullable    = false

  validation {
    condition     = contains(["full-load", "full-load-and-cdc", "cdc"], var.migration_refresh_type)
    error_message = "migration_refresh_type must be one of full-load, full-load-and-cdc, cdc; got \"${var.migration_refresh_type}\"."
  }
}

variable "preparation" {
  description = "The shared source's database preparation function (modules/baseline's preparation output: { function_name, role_name, security_group_id }): with create_target it creates the DMS user on the created target and writes its secret. Null: that secret stays empty until you write it."
  type = object({
    function_name     = string
    role_name         = string
    security_group_id = string
  })
  default = null
}

variable "replication_instance_security_group_id" {
  description = "Security group of the replication instance: a created target admits it on 3306, and it gets the egress rule to the target. Required with create_target."
  type        = string
  default     = null

  validation {
    condition     = !var.create_target || var.replication_instance_security_group_id != null
    error_message = "create_target = true needs replication_instance_security_group_id (modules/baseline's security_group_ids.replication_instance): the created target admits only the replication instance."
  }
}

variable "replication_task_settings_json" {
  description = "The task's settings document (JSON). Null: the DMS defaults."
  type        = string
  default     = null

  validation {
    condition     = var.replication_task_settings_json == null || can(jsondecode(var.replication_task_settings_json))
    error_message = "replication_task_settings_json must be a JSON document (use jsonencode({...})) or null."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days Secrets Manager keeps a created target's DMS secret (the DMS user's credentials the preparation function writes) after a destroy before deleting it for good: 0 deletes it at once, so the environment can be destroyed and created again under the same name straight away (a secret scheduled for deletion keeps its name taken); 7-30 keeps a window to restore it (then a re-creation under the same name fails until the window ends). Default 0, as modules/baseline: the preparation function sets a new password and writes the secret again on every apply that re-creates it, so there is nothing to recover."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30 && floor(var.secret_recovery_window_in_days) == var.secret_recovery_window_in_days)
    error_message = "secret_recovery_window_in_days = ${var.secret_recovery_window_in_days} is not allowed; Secrets Manager takes 0 (delete at once) or a whole number of days from 7 to 30 (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html)."
  }
}

variable "skip_final_snapshot" {
  description = "Delete a created target cluster without a final snapshot (for throw-away environments)."
  type        = bool
  default     = false
  nullable    = false
}

variable "table_selection" {
  description = "Which tables this environment's task replicates, as data (rendered by modules/table-mappings, validated there; the format of modules/baseline's table_selection). Default: every table of every schema."
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
  default  = [{ schema = "%", table = "%", action = "include" }]
  nullable = false
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "target_database_name" {
  description = "Name of the database created in a created target cluster."
  type        = string
  default     = "app"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", var.target_database_name))
    error_message = "target_database_name must start with a letter and hold at most 64 letters, digits or underscores; got \"${var.target_database_name}\"."
  }
}

variable "target_db_subnet_group_name" {
  description = "DB subnet group a created target cluster is placed in (modules/baseline's db_subnet_group_name). Required with create_target."
  type        = string
  default     = null

  validation {
    condition     = !var.create_target || var.target_db_subnet_group_name != null
    error_message = "create_target = true needs target_db_subnet_group_name (modules/baseline's db_subnet_group_name): the subnets the created target cluster is placed in."
  }
}

variable "target_dms_username" {
  description = "Name of the DMS user the preparation function creates on a created target."
  type        = string
  default     = "dms_target"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,31}$", var.target_dms_username))
    error_message = "target_dms_username = \"${var.target_dms_username}\" must be a lower-case MySQL user name: a letter, then up to 31 of a-z, 0-9 and _ (for example dms_target)."
  }
}

variable "target_engine_name" {
  description = "DMS engine name of a target you bring (create_target = false): aurora, mysql, mariadb, aurora-postgresql or postgres. A created target is always aurora (Aurora MySQL)."
  type        = string
  default     = "aurora"
  nullable    = false

  validation {
    condition     = contains(["aurora", "mysql", "mariadb", "aurora-postgresql", "postgres"], var.target_engine_name)
    error_message = "target_engine_name = \"${var.target_engine_name}\" is not allowed; use aurora, mysql, mariadb, aurora-postgresql or postgres."
  }
}

variable "target_engine_version" {
  description = "Aurora MySQL engine version of a created target (for example 8.0.mysql_aurora.3.08.0). Null: the RDS default."
  type        = string
  default     = null
}

variable "target_instance_class" {
  description = "Instance class of a created target cluster's instance."
  type        = string
  default     = "db.r6g.large"
  nullable    = false

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.target_instance_class))
    error_message = "target_instance_class must be an RDS instance class like db.r6g.large; got \"${var.target_instance_class}\"."
  }
}

variable "target_master_username" {
  description = "Master user name of a created target cluster. Its password is generated and kept by RDS in Secrets Manager."
  type        = string
  default     = "dmsadmin"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,15}$", var.target_master_username)) && lower(var.target_master_username) != "rdsadmin"
    error_message = "target_master_username must start with a letter, hold at most 16 letters, digits or underscores, and not be rdsadmin; got \"${var.target_master_username}\"."
  }
}

variable "target_secret_arn" {
  description = "With create_target = false: the Secrets Manager secret of the target you bring, which the DMS endpoint reads (JSON with username, password, host, port). Ignored with create_target."
  type        = string
  default     = null

  validation {
    condition     = var.create_target || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.target_secret_arn))
    error_message = "create_target = false needs target_secret_arn, the Secrets Manager secret of your target (arn:aws:secretsmanager:<region>:<account>:secret:<name>, JSON with username, password, host, port); got ${var.target_secret_arn == null ? "null" : "\"${var.target_secret_arn}\""}."
  }
}

variable "vpc_id" {
  description = "VPC a created target's security group is made in (modules/baseline's vpc_id). Required with create_target."
  type        = string
  default     = null

  validation {
    condition     = !var.create_target || var.vpc_id != null
    error_message = "create_target = true needs vpc_id (modules/baseline's vpc_id): the network of the replication instance, where the created target's security group is made."
  }
}
