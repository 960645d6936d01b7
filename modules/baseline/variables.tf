################################################################################
# Inputs: the required name_prefix first, then alphabetically; every other input
# has a working default.
################################################################################

variable "name_prefix" {
  description = "Prefix of every name this module gives (DMS and RDS identifiers, IAM roles, the preparation function, secrets, security groups): lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit, at most 45 characters (the longest derived name, the IAM role \"<name_prefix>-dms-secrets-access\", is limited to 64). Required: these names are unique per account and region, so each baseline in an account needs its own prefix."
  type        = string
  nullable    = false

  validation {
    # The one naming rule of every module (modules/automation, the root module; a
    # test keeps the pattern identical).
    condition     = can(regex("^[a-z](-?[a-z0-9])*$", var.name_prefix)) && length(var.name_prefix) <= 45
    error_message = "name_prefix = \"${var.name_prefix}\" (${length(var.name_prefix)} characters) is not allowed; use lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit, at most 45 characters (DMS and RDS identifiers take no upper case, underscore, double or trailing hyphen; the longest derived name, \"<name_prefix>-dms-secrets-access\", is an IAM role name of at most 64 characters)."
  }
}

variable "availability_zones" {
  description = "Two (or more) availability zones for the subnets this module creates. Empty: the region's \"a\" and \"b\" zones (no API call). Ignored when vpc_id is given."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.availability_zones) == 0 || length(var.availability_zones) >= 2
    error_message = "availability_zones must list at least two zones (for example [\"eu-west-1a\", \"eu-west-1b\"]) or be empty to use the region's a and b zones; got ${length(var.availability_zones)}."
  }
}

variable "create_dms_iam_roles" {
  description = "No longer supported: the account-wide roles DMS requires (dms-vpc-role, dms-cloudwatch-logs-role) have fixed names, so two configurations that both created them fought over them. Create them once per account with modules/dms-iam-roles; true is refused (CHANGELOG.md, \"Upgrading\", keeps roles this module created)."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !var.create_dms_iam_roles
    error_message = "create_dms_iam_roles = true is no longer supported: modules/baseline does not create the account-wide DMS roles any more (their names are fixed, so two configurations fought over them). Create them once per account with modules/dms-iam-roles, and remove create_dms_iam_roles; roles created by an earlier version are kept in AWS and can be imported into that module (CHANGELOG.md, \"Upgrading\")."
  }
}

variable "create_target" {
  description = "Create the Aurora MySQL target, its security group, its DMS secret and the DMS target endpoint. false: a shared-source baseline (the source, the replication instance and the network only), whose targets and tasks are made per environment by modules/environment; create_task must then be false too."
  type        = bool
  default     = true
  nullable    = false
}

variable "create_task" {
  description = "Create the DMS replication task between the source and the target. false: no task (a shared-source baseline; the tasks are made per environment by modules/environment)."
  type        = bool
  default     = true
  nullable    = false

  validation {
    condition     = !var.create_task || var.create_target
    error_message = "create_task = true needs create_target = true: the task replicates into the target this module creates. Set both to false for a shared-source baseline (tasks per environment with modules/environment), or leave create_target on."
  }
}

variable "deletion_protection" {
  description = "Protect the source database and the target cluster from deletion."
  type        = bool
  default     = true
  nullable    = false
}

variable "extra_table_mapping_rules" {
  description = "More DMS table-mapping rules appended after the selection rules (for example the masking transformation rules of modules/automation/modules/masking-rules): a list of rule objects, or a JSON string holding such a list or a {\"rules\": [...]} document. Their rule-id values are renumbered to follow the other rules; rule-name is kept."
  type        = any
  default     = []
  nullable    = false

  validation {
    condition = alltrue([
      for rule in try(
        try(jsondecode(var.extra_table_mapping_rules).rules, jsondecode(var.extra_table_mapping_rules)),
        var.extra_table_mapping_rules.rules,
        var.extra_table_mapping_rules,
      ) :
      contains(["selection", "transformation", "table-settings"], try(rule["rule-type"], ""))
    ])
    error_message = "extra_table_mapping_rules must be a list of DMS table-mapping rule objects (or JSON of one), each with \"rule-type\" set to selection, transformation or table-settings."
  }
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
  description = "Customer managed KMS key for the databases' storage, the RDS-managed master secrets, the replication instance and the endpoints. Null: the AWS managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN like arn:aws:kms:eu-west-1:123456789012:key/<key id>, or null."
  }
}

variable "masking_user" {
  description = "A database user for after-load masking, created on the target by the preparation function with only what masking does: SELECT and UPDATE on schemas (the after-load rules' schemas), REFERENCES on coverage_schemas (their columns become visible to the coverage check, not their rows), CREATE, SELECT, INSERT and UPDATE on progress_schema (the post-process Lambda's MASKING_PROGRESS_SCHEMA). Its secret is the masking_secret_arn output. Null: no masking user (masking_secret_arn is then the master secret)."
  type = object({
    schemas          = list(string)
    coverage_schemas = optional(list(string), [])
    progress_schema  = optional(string, "dms_automation")
    username         = optional(string, "dms_masking")
  })
  default = null

  validation {
    condition     = var.masking_user == null || length(try(var.masking_user.schemas, [])) > 0
    error_message = "masking_user.schemas must name at least one schema (the schemas of the after-load masking rules), or set masking_user = null."
  }

  validation {
    condition = var.masking_user == null || alltrue([
      for name in concat(try(var.masking_user.schemas, []), try(var.masking_user.coverage_schemas, []), [try(var.masking_user.progress_schema, "x")]) : can(regex("^[A-Za-z0-9_$]{1,64}$", name))
    ])
    error_message = "masking_user: every schema name (schemas, coverage_schemas, progress_schema) must be 1-64 letters, digits, '_' or '$'; got ${jsonencode(var.masking_user)}."
  }

  validation {
    condition     = var.masking_user == null || !contains(try(var.masking_user.schemas, []), try(var.masking_user.progress_schema, ""))
    error_message = "masking_user.progress_schema \"${try(var.masking_user.progress_schema, "")}\" is also in masking_user.schemas; the progress schema must be a schema of its own."
  }

  validation {
    condition     = var.masking_user == null || can(regex("^[a-z][a-z0-9_]{0,31}$", try(var.masking_user.username, "")))
    error_message = "masking_user.username = \"${try(var.masking_user.username, "")}\" must be a lower-case MySQL user name: a letter, then up to 31 of a-z, 0-9 and _ (for example dms_masking)."
  }
}

variable "migration_refresh_type" {
  description = "The replication task's migration type: full-load, full-load-and-cdc or cdc."
  type        = string
  default     = "full-load"
  nullable    = false

  validation {
    condition     = contains(["full-load", "full-load-and-cdc", "cdc"], var.migration_refresh_type)
    error_message = "migration_refresh_type must be one of full-load, full-load-and-cdc, cdc; got \"${var.migration_refresh_type}\"."
  }
}

variable "oracle_driver_layer_arn" {
  description = "ARN of a Lambda layer version with python-oracledb (thin mode, Python 3.12, x86_64) for the preparation function's Oracle side; the module's package does not ship the driver (its wheels are platform builds). Required unless source_dms_secret_arn is given or prepare_databases = false: a plan without it is refused."
  type        = string
  default     = null

  validation {
    condition     = var.oracle_driver_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.oracle_driver_layer_arn))
    error_message = "oracle_driver_layer_arn = \"${coalesce(var.oracle_driver_layer_arn, "null")}\" is not a Lambda layer version ARN; expected arn:<partition>:lambda:<region>:<12-digit account>:layer:<name>:<version>, or null."
  }

  validation {
    # The preparation function creates the DMS user on the Oracle source (prepare.tf) whenever
    # it runs and the source's DMS secret is the module's; without the driver it fails on
    # apply, after the databases exist.
    condition     = var.oracle_driver_layer_arn != null || !var.prepare_databases || var.source_dms_secret_arn != null
    error_message = "oracle_driver_layer_arn is null, but the database preparation (prepare_databases = true) creates the DMS user on the Oracle source and needs python-oracledb: give oracle_driver_layer_arn (the root module: baseline.oracle_driver_layer_arn), a Lambda layer version with python-oracledb for Python 3.12 x86_64 (see modules/baseline/README.md, \"Credentials DMS reads\"); or source_dms_secret_arn, the secret of a DMS user you created on the source yourself; or prepare_databases = false and write the DMS secrets yourself."
  }
}

variable "prepare_databases" {
  description = "Invoke the database preparation function on apply: it creates the DMS users (with the grants AWS documents, and CDC preparation of the Oracle source for cdc and full-load-and-cdc) and writes the DMS secrets this module creates. false: the secrets stay empty until you write them (for example on an emulator)."
  type        = bool
  default     = true
  nullable    = false
}

variable "private_subnet_cidrs" {
  description = "CIDR blocks of the two private subnets this module creates, one per availability zone. Ignored when vpc_id is given."
  type        = list(string)
  default     = ["10.0.1.0/24", "10.0.2.0/24"]
  nullable    = false

  validation {
    condition     = length(var.private_subnet_cidrs) >= 2 && alltrue([for cidr in var.private_subnet_cidrs : can(cidrhost(cidr, 0))])
    error_message = "private_subnet_cidrs must list at least two CIDR blocks like \"10.0.1.0/24\" (one per availability zone)."
  }
}

variable "replication_instance_allocated_storage" {
  description = "Storage of the DMS replication instance, in GiB (5 to 6144)."
  type        = number
  default     = 50
  nullable    = false

  validation {
    condition     = var.replication_instance_allocated_storage >= 5 && var.replication_instance_allocated_storage <= 6144
    error_message = "replication_instance_allocated_storage must be between 5 and 6144 GiB; got ${var.replication_instance_allocated_storage}."
  }
}

variable "replication_instance_class" {
  description = "Class of the DMS replication instance."
  type        = string
  default     = "dms.t3.medium"
  nullable    = false

  validation {
    condition     = can(regex("^dms\\.[a-z0-9]+\\.[a-z0-9]+$", var.replication_instance_class))
    error_message = "replication_instance_class must be a DMS instance class like dms.t3.medium or dms.r5.large; got \"${var.replication_instance_class}\"."
  }
}

variable "replication_instance_engine_version" {
  description = "DMS engine version the replication instance is created with (major.minor.patch, e.g. 3.5.4). Null: the DMS default, or 3.5.4 when the table mappings hold DMS data-masking rules (DMS applies them from 3.5.4 on). Terraform then leaves the version to DMS: minor upgrades AWS applies cause no change in later plans, and changing this value does not upgrade an existing instance (see README, \"Engine version\")."
  type        = string
  default     = null

  validation {
    condition     = var.replication_instance_engine_version == null || can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.replication_instance_engine_version))
    error_message = "replication_instance_engine_version = \"${coalesce(var.replication_instance_engine_version, "null")}\" is not a DMS engine version; give major.minor.patch, for example \"3.5.4\", or null for the DMS default."
  }
}

variable "replication_instance_multi_az" {
  description = "Run the replication instance in two availability zones."
  type        = bool
  default     = false
  nullable    = false
}

variable "replication_task_settings_json" {
  description = "The replication task's settings document (JSON). Null: the DMS defaults."
  type        = string
  default     = null

  validation {
    condition     = var.replication_task_settings_json == null || can(jsondecode(var.replication_task_settings_json))
    error_message = "replication_task_settings_json must be a JSON document (use jsonencode({...})) or null."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days Secrets Manager keeps the DMS secrets this module creates (the DMS users' credentials the preparation function writes) after a destroy before deleting it for good: 0 deletes it at once, so the environment can be destroyed and created again under the same name straight away (a secret scheduled for deletion keeps its name taken); 7-30 keeps a window to restore them (then a re-creation under the same name fails until the window ends). Default 0: the preparation function sets a new password and writes the secret again on every apply that re-creates them, so there is nothing to recover."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30 && floor(var.secret_recovery_window_in_days) == var.secret_recovery_window_in_days)
    error_message = "secret_recovery_window_in_days = ${var.secret_recovery_window_in_days} is not allowed; Secrets Manager takes 0 (delete at once) or a whole number of days from 7 to 30 (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html)."
  }
}

variable "skip_final_snapshot" {
  description = "Delete the source database and the target cluster without a final snapshot (for throw-away environments)."
  type        = bool
  default     = false
  nullable    = false
}

variable "source_allocated_storage" {
  description = "Storage of the source Oracle database, in GiB (20 to 65536)."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.source_allocated_storage >= 20 && var.source_allocated_storage <= 65536
    error_message = "source_allocated_storage must be between 20 and 65536 GiB; got ${var.source_allocated_storage}."
  }
}

variable "source_database_name" {
  description = "Oracle database name (SID) of the source when it is created (not restored): a letter then up to 7 letters or digits."
  type        = string
  default     = "ORCL"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]{0,7}$", var.source_database_name))
    error_message = "source_database_name must start with a letter and hold at most 8 letters or digits; got \"${var.source_database_name}\"."
  }
}

variable "source_dms_secret_arn" {
  description = "Secrets Manager secret the DMS source endpoint reads (JSON with username, password, host, port). Null: a secret this module creates for a dedicated DMS user, filled by the preparation function (see prepare_databases)."
  type        = string
  default     = null

  validation {
    condition     = var.source_dms_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.source_dms_secret_arn))
    error_message = "source_dms_secret_arn must be a Secrets Manager secret ARN like arn:aws:secretsmanager:eu-west-1:123456789012:secret:<name>, or null."
  }
}

variable "source_dms_username" {
  description = "Name of the DMS user the preparation function creates on the source Oracle database."
  type        = string
  default     = "DMS_SOURCE"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Z][A-Z0-9_]{0,29}$", var.source_dms_username))
    error_message = "source_dms_username = \"${var.source_dms_username}\" must be an upper-case Oracle name: a letter, then up to 29 of A-Z, 0-9 and _ (for example DMS_SOURCE)."
  }
}

variable "source_engine" {
  description = "RDS for Oracle engine of the source: oracle-ee, oracle-ee-cdb, oracle-se2 or oracle-se2-cdb."
  type        = string
  default     = "oracle-se2"
  nullable    = false

  validation {
    condition     = contains(["oracle-ee", "oracle-ee-cdb", "oracle-se2", "oracle-se2-cdb"], var.source_engine)
    error_message = "source_engine must be one of oracle-ee, oracle-ee-cdb, oracle-se2, oracle-se2-cdb; got \"${var.source_engine}\"."
  }
}

variable "source_engine_version" {
  description = "Oracle engine version of the source. Null: the RDS default (or the snapshot's)."
  type        = string
  default     = null
}

variable "source_instance_class" {
  description = "Instance class of the source Oracle database."
  type        = string
  default     = "db.m5.large"
  nullable    = false

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.source_instance_class))
    error_message = "source_instance_class must be an RDS instance class like db.m5.large; got \"${var.source_instance_class}\"."
  }
}

variable "source_license_model" {
  description = "Oracle license model: license-included or bring-your-own-license. Null: license-included for Standard Edition 2, bring-your-own-license for Enterprise Edition."
  type        = string
  default     = null

  validation {
    condition     = var.source_license_model == null || contains(["license-included", "bring-your-own-license"], coalesce(var.source_license_model, "-"))
    error_message = "source_license_model must be license-included, bring-your-own-license or null."
  }
}

variable "source_master_username" {
  description = "Master user name of the source when it is created (a restored source keeps the snapshot's). Its password is generated and kept by RDS in Secrets Manager."
  type        = string
  default     = "dmsadmin"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,29}$", var.source_master_username)) && !contains(["sys", "system", "rdsadmin"], lower(var.source_master_username))
    error_message = "source_master_username must start with a letter, hold at most 30 letters, digits or underscores, and not be a reserved Oracle name (sys, system, rdsadmin); got \"${var.source_master_username}\"."
  }
}

variable "source_snapshot_identifier" {
  description = "Restore the source Oracle database from this DB snapshot (identifier or ARN). Null: create an empty database."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Your own subnets (at least two, in two availability zones) for the databases and the replication instance. Give them together with vpc_id; leave both empty to create a VPC."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = var.vpc_id == null ? length(var.subnet_ids) == 0 : length(var.subnet_ids) >= 2
    error_message = "subnet_ids and vpc_id go together: give vpc_id and at least two subnet_ids (in two availability zones) to use your own network, or neither to let the module create one."
  }
}

variable "table_mappings_json" {
  description = "For experts: the task's complete table-mapping document (JSON). Overrides table_selection; extra_table_mapping_rules are still appended."
  type        = string
  default     = null

  validation {
    condition     = var.table_mappings_json == null || can(tolist(jsondecode(var.table_mappings_json).rules))
    error_message = "table_mappings_json must be a JSON document with a \"rules\" list (DMS table-mapping format), or null."
  }
}

variable "table_selection" {
  description = "Which tables the task replicates, as data: a list of rules rendered into DMS selection rules, in order. schema and table are names or patterns (% matches any); action is include, exclude or explicit; filters (include rules on exact names only) keep rows whose column matches one of the conditions. Default: every table of every schema."
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

  validation {
    # A DMS selection rule's object-locator names a schema and a table, or a pattern with %
    # (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Selections.html);
    # an empty name is no name of either.
    condition     = alltrue([for rule in var.table_selection : try(trimspace(rule.schema), "") != "" && try(trimspace(rule.table), "") != ""])
    error_message = "table_selection needs a schema and a table name (or a % pattern) in every rule; empty in: ${join(", ", [for i, rule in var.table_selection : "[${i}] schema = ${jsonencode(rule.schema)}, table = ${jsonencode(rule.table)}" if try(trimspace(rule.schema), "") == "" || try(trimspace(rule.table), "") == ""])}. Use % for every schema or table, e.g. { schema = \"HR\", table = \"%\" }."
  }

  validation {
    condition     = alltrue([for rule in var.table_selection : contains(["include", "exclude", "explicit"], rule.action)])
    error_message = "Every table_selection action must be include, exclude or explicit; got ${jsonencode([for rule in var.table_selection : rule.action])}."
  }

  validation {
    condition     = var.table_mappings_json != null || anytrue([for rule in var.table_selection : rule.action != "exclude"])
    error_message = "table_selection needs at least one include (or explicit) rule, or the task replicates nothing."
  }

  validation {
    condition = alltrue([
      for rule in var.table_selection : length(rule.filters) == 0 || (
        rule.action != "exclude" && !strcontains(rule.schema, "%") && !strcontains(rule.table, "%")
      )
    ])
    error_message = "table_selection filters are only allowed on include or explicit rules naming one exact schema and table (no % patterns): DMS ignores them otherwise."
  }

  validation {
    condition = alltrue(flatten([
      for rule in var.table_selection : [
        for filter in rule.filters : [
          for c in filter.conditions : (
            contains(["eq", "noteq", "ste", "gte"], c.operator) ? c.value != null :
            contains(["between", "notbetween"], c.operator) ? c.start != null && c.end != null :
            contains(["null", "notnull"], c.operator)
          )
        ]
      ]
    ]))
    error_message = "Each table_selection filter condition needs operator eq, noteq, ste or gte with a value; between or notbetween with start and end; or null or notnull with no value."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "target_allowed_security_group_ids" {
  description = "More security groups allowed to reach the target on 3306 (for example the post-process Lambda that masks data). Only the replication instance otherwise."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "target_database_name" {
  description = "Name of the database created in the target Aurora MySQL cluster."
  type        = string
  default     = "app"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", var.target_database_name))
    error_message = "target_database_name must start with a letter and hold at most 64 letters, digits or underscores; got \"${var.target_database_name}\"."
  }
}

variable "target_dms_secret_arn" {
  description = "Secrets Manager secret the DMS target endpoint reads (JSON with username, password, host, port). Null: a secret this module creates for a dedicated DMS user, filled by the preparation function (see prepare_databases)."
  type        = string
  default     = null

  validation {
    condition     = var.target_dms_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.target_dms_secret_arn))
    error_message = "target_dms_secret_arn must be a Secrets Manager secret ARN like arn:aws:secretsmanager:eu-west-1:123456789012:secret:<name>, or null."
  }
}

variable "target_dms_username" {
  description = "Name of the DMS user the preparation function creates on the target Aurora MySQL cluster."
  type        = string
  default     = "dms_target"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,31}$", var.target_dms_username))
    error_message = "target_dms_username = \"${var.target_dms_username}\" must be a lower-case MySQL user name: a letter, then up to 31 of a-z, 0-9 and _ (for example dms_target)."
  }
}

variable "target_engine_version" {
  description = "Aurora MySQL engine version of the target (for example 8.0.mysql_aurora.3.08.0). Null: the RDS default."
  type        = string
  default     = null
}

variable "target_instance_class" {
  description = "Instance class of the target cluster's instance."
  type        = string
  default     = "db.r6g.large"
  nullable    = false

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.target_instance_class))
    error_message = "target_instance_class must be an RDS instance class like db.r6g.large; got \"${var.target_instance_class}\"."
  }
}

variable "target_master_username" {
  description = "Master user name of the target cluster. Its password is generated and kept by RDS in Secrets Manager."
  type        = string
  default     = "dmsadmin"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,15}$", var.target_master_username)) && lower(var.target_master_username) != "rdsadmin"
    error_message = "target_master_username must start with a letter, hold at most 16 letters, digits or underscores, and not be rdsadmin; got \"${var.target_master_username}\"."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC this module creates. Ignored when vpc_id is given."
  type        = string
  default     = "10.0.0.0/16"
  nullable    = false

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a CIDR block like \"10.0.0.0/16\"; got \"${var.vpc_cidr}\"."
  }
}

variable "vpc_endpoint_client_security_group_ids" {
  description = "Security groups of functions in this network that call Secrets Manager (for example a masking Lambda); the Secrets Manager endpoint this module creates admits HTTPS from them besides the replication instance. Ignored when vpc_id is given."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.vpc_endpoint_client_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "vpc_endpoint_client_security_group_ids must list security group ids (sg- followed by 8 or 17 hexadecimal digits); got ${jsonencode(var.vpc_endpoint_client_security_group_ids)}."
  }
}

variable "vpc_id" {
  description = "Your own VPC (give subnet_ids too). Null: the module creates a VPC with two private subnets."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", coalesce(var.vpc_id, "-")))
    error_message = "vpc_id must be a VPC id like vpc-0123456789abcdef0, or null."
  }
}
