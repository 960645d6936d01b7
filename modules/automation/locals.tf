################################################################################
# Combination table (the HCL copy; the Python copy is dms_automation.config)
################################################################################

locals {
  # The six valid combinations of the three run inputs. A test keeps this list
  # identical to VALID_COMBINATIONS in lambda_src/dms_automation/config.py.
  valid_combinations = [
    { migration_refresh_indicator = "data-refresh", migration_refresh_type = "full-load", schedule_or_one_time = "schedule" },
    { migration_refresh_indicator = "data-refresh", migration_refresh_type = "full-load", schedule_or_one_time = "one-time" },
    { migration_refresh_indicator = "data-migration", migration_refresh_type = "full-load", schedule_or_one_time = "schedule" },
    { migration_refresh_indicator = "data-migration", migration_refresh_type = "full-load", schedule_or_one_time = "one-time" },
    { migration_refresh_indicator = "data-migration", migration_refresh_type = "full-load-and-cdc", schedule_or_one_time = "one-time" },
    { migration_refresh_indicator = "data-migration", migration_refresh_type = "cdc", schedule_or_one_time = "one-time" },
  ]

  # The migration types, and those whose task never stops by itself (CDC). A test
  # keeps them identical to REFRESH_TYPES (config.py) and CONTINUOUS_TYPES (options.py).
  migration_types  = ["full-load", "full-load-and-cdc", "cdc"]
  continuous_types = ["full-load-and-cdc", "cdc"]

  # A whole Secrets Manager secret ARN, as the policies grant it: the name is ASCII letters,
  # digits and /_+=.@- (CreateSecret, Name:
  # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html),
  # or a secret an AWS service manages, named "<service>!<name>", e.g. RDS's master secrets
  # rds!cluster-<id> and rds!db-<id>
  # (https://docs.aws.amazon.com/secretsmanager/latest/userguide/service-linked-secrets.html);
  # then "-" and the six random characters Secrets Manager adds to every ARN.
  secret_arn_pattern = "^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:secret:([a-z0-9-]+!)?[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$"
  secret_arn_allowed = "expected arn:<partition>:secretsmanager:<region>:<12-digit account>:secret:<name>-<6 random characters>, the name of ASCII letters, digits and /_+=.@- or one an AWS service manages (e.g. rds!cluster-<id>, rds!db-<id>)"

  # "indicator/type/mode" labels, used by the validation and its message.
  valid_combination_labels = [
    for c in local.valid_combinations :
    "${c.migration_refresh_indicator}/${c.migration_refresh_type}/${c.schedule_or_one_time}"
  ]
}

################################################################################
# Names and ARNs, all known at plan time
################################################################################

locals {
  # arn:<partition>:dms:<region>:<account>:task:<resource id>
  _task_arn_parts = split(":", var.replication_task_arn)
  task_partition  = local._task_arn_parts[1]
  task_region     = local._task_arn_parts[3]
  task_account_id = local._task_arn_parts[4]

  is_schedule = var.schedule_or_one_time == "schedule"

  # Every derived name is the prefix plus one of these suffixes; the longest
  # suffix decides the prefix limit (64 - 13 = 51, checked in variables.tf).
  # The default follows the same rule: a task identifier in lower case (IAM
  # does not tell role names apart by case), cut without a trailing hyphen.
  name_prefix                = coalesce(var.name_prefix, lower(trimsuffix(substr("dms-${var.replication_task_id}", 0, 51), "-")))
  event_rule_name            = "${local.name_prefix}-trigger"
  watchdog_rule_name         = "${local.name_prefix}-watchdog"
  starter_function_name      = "${local.name_prefix}-starter"
  post_process_function_name = "${local.name_prefix}-post-process"
  sns_topic_name             = "${local.name_prefix}-dms-events"
  dms_events_rule_name       = "${local.name_prefix}-dms-events"
  event_subscription_name    = "${local.name_prefix}-task-events"
  dead_letter_queue_name     = "${local.name_prefix}-failed-invocations"
  state_table_name           = "${local.name_prefix}-run-state"

  # ARNs built from names, so that every policy is known at plan time.
  _arn_prefix         = "${local.task_partition}:%s:${local.task_region}:${local.task_account_id}"
  event_rule_arn      = "arn:${format(local._arn_prefix, "events")}:rule/${local.event_rule_name}"
  watchdog_rule_arn   = "arn:${format(local._arn_prefix, "events")}:rule/${local.watchdog_rule_name}"
  dms_events_rule_arn = "arn:${format(local._arn_prefix, "events")}:rule/${local.dms_events_rule_name}"
  # DMS names an event subscription's ARN after its name ("es:<name>"), as the
  # AWS provider builds it too; the topic policy admits only this subscription.
  event_subscription_arn    = "arn:${format(local._arn_prefix, "dms")}:es:${local.event_subscription_name}"
  sns_topic_arn             = "arn:${format(local._arn_prefix, "sns")}:${local.sns_topic_name}"
  dead_letter_queue_arn     = "arn:${format(local._arn_prefix, "sqs")}:${local.dead_letter_queue_name}"
  state_table_arn           = "arn:${format(local._arn_prefix, "dynamodb")}:table/${local.state_table_name}"
  post_process_function_arn = "arn:${format(local._arn_prefix, "lambda")}:function:${local.post_process_function_name}"
  # TestConnection has no task-level resource: it is granted on the endpoints and
  # replication instances of the task's account and region.
  dms_endpoint_arns_pattern = "arn:${format(local._arn_prefix, "dms")}:endpoint:*"
  dms_instance_arns_pattern = "arn:${format(local._arn_prefix, "dms")}:rep:*"
  # What the starter may TestConnection: this task's endpoints and instance when given.
  test_connection_arns = (
    var.task_resource_arns == null
    ? [local.dms_endpoint_arns_pattern, local.dms_instance_arns_pattern]
    : [var.task_resource_arns.source_endpoint_arn, var.task_resource_arns.target_endpoint_arn, var.task_resource_arns.replication_instance_arn]
  )

  # The module's own KMS key unless one is given; its ARN is known after apply.
  create_kms_key = var.kms_key_arn == null
  kms_key_arn    = local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  kms_alias_name = "alias/${local.name_prefix}"

  account_root_arn = "arn:${local.task_partition}:iam::${local.task_account_id}:root"
  role_arns = {
    starter      = "arn:${local.task_partition}:iam::${local.task_account_id}:role${var.iam_role_path}${local.starter_function_name}"
    post_process = "arn:${local.task_partition}:iam::${local.task_account_id}:role${var.iam_role_path}${local.post_process_function_name}"
  }

  log_group_arns = {
    starter      = "arn:${format(local._arn_prefix, "logs")}:log-group:/aws/lambda/${local.starter_function_name}"
    post_process = "arn:${format(local._arn_prefix, "logs")}:log-group:/aws/lambda/${local.post_process_function_name}"
  }

  # DMS event categories for a replication task (DMS names them in lower case).
  event_categories = ["failure", "state change"]

  # The CDC source check before the first start of a task brought by the user
  # (assessment.tf, lambda_src/dms_automation/assessment.py).
  check_cdc_source = var.check_cdc_source && contains(local.continuous_types, var.migration_refresh_type)
  # S3 bucket names are global, lower case and at most 63 characters: the
  # account, the region and a digest of the prefix make this one unique and
  # known at plan time.
  assessment_bucket_name = "dms-assessments-${local.task_account_id}-${local.task_region}-${substr(md5(local.name_prefix), 0, 8)}"
  assessment_bucket_arn  = "arn:${local.task_partition}:s3:::${local.assessment_bucket_name}"
  assessment_role_name   = "${local.name_prefix}-assessment"
  # A role's ARN holds its path (which begins and ends with "/").
  assessment_role_arn = "arn:${local.task_partition}:iam::${local.task_account_id}:role${var.iam_role_path}${local.assessment_role_name}"
  assessment_runs_arn = "arn:${format(local._arn_prefix, "dms")}:assessment-run:*"

  lambda_environment = {
    REPLICATION_TASK_ARN        = var.replication_task_arn
    EVENT_RULE_NAME             = local.event_rule_name
    MIGRATION_REFRESH_INDICATOR = var.migration_refresh_indicator
    MIGRATION_REFRESH_TYPE      = var.migration_refresh_type
    SCHEDULE_OR_ONE_TIME        = var.schedule_or_one_time
    STATE_TABLE_NAME            = local.state_table_name
    AUTOMATION_ENABLED          = tostring(var.automation_enabled)
    TEST_ENDPOINT_CONNECTIONS   = tostring(var.test_endpoint_connections)
  }

  # Only the starter checks the source, and only when the check applies.
  starter_environment = merge(
    local.lambda_environment,
    local.check_cdc_source ? {
      CDC_SOURCE_ASSESSMENT_BUCKET   = local.assessment_bucket_name
      CDC_SOURCE_ASSESSMENT_ROLE_ARN = local.assessment_role_arn
    } : {},
  )

  # After-load masking (lambda_src/dms_automation/masking): only the post-process
  # Lambda gets the rules, and only when there are some, so the environment of a
  # module without masking does not change.
  after_load_masking = module.masking_rules.has_after_load_rules

  # The HMAC key of hash and fake_email rules: a given secret, or one the module
  # creates empty and the post-process Lambda fills on first use (masking.tf).
  # The Lambda gets the secret's name, known at plan time, never its value.
  masking_key_needed      = local.after_load_masking && module.masking_rules.has_keyed_after_load_rules
  create_masking_key      = local.masking_key_needed && var.masking_key_secret_arn == null
  masking_key_secret_name = "${local.name_prefix}-masking-key"
  # Secrets Manager appends "-" and 6 random characters to a secret's name.
  masking_key_secret_arn = local.create_masking_key ? "arn:${format(local._arn_prefix, "secretsmanager")}:secret:${local.masking_key_secret_name}-??????" : var.masking_key_secret_arn

  # The rules go to an SSM parameter (masking.tf), compressed; the Lambda gets
  # its name. Every rule is in it, those DMS applies included, for the coverage check.
  masking_rules_parameter_name = "/${local.name_prefix}/masking-rules"
  masking_rules_parameter_arn  = "arn:${format(local._arn_prefix, "ssm")}:parameter${local.masking_rules_parameter_name}"
  masking_document = {
    version = 1
    rules   = module.masking_rules.rules
    coverage = {
      patterns = var.masking_sensitive_column_patterns
      schemas  = var.masking_coverage_schemas
      fail     = var.fail_on_unmasked_columns
    }
  }
  masking_rules_value       = base64gzip(jsonencode(local.masking_document))
  masking_rules_value_bytes = length(local.masking_rules_value)

  post_process_environment = merge(
    local.lambda_environment,
    local.after_load_masking ? {
      MASKING_RULES_PARAMETER = local.masking_rules_parameter_name
      MASKING_SECRET_ARN      = var.masking_secret_arn
      MASKING_CHUNK_ROWS      = tostring(var.masking_chunk_rows)
    } : {},
    local.masking_key_needed ? {
      MASKING_KEY_SECRET   = local.create_masking_key ? local.masking_key_secret_name : var.masking_key_secret_arn
      MASKING_KEY_GENERATE = tostring(local.create_masking_key)
    } : {},
    local.after_load_masking && var.masking_database != null ? {
      MASKING_DB_HOST = var.masking_database.host
      MASKING_DB_PORT = tostring(var.masking_database.port)
      MASKING_DB_NAME = var.masking_database.name == null ? "" : var.masking_database.name
    } : {},
  )

  # Lambda refuses more than 4 KB of environment variables, measured as the JSON
  # of the map: quotes, separators and every escaped character count.
  post_process_environment_bytes = length(jsonencode(local.post_process_environment))

  # EC2 ARNs of the masking subnets and security groups, for the
  # CreateNetworkInterface grant.
  _masking_vpc = var.masking_vpc_config == null ? { subnet_ids = [], security_group_ids = [] } : var.masking_vpc_config
  masking_network_arns = concat(
    [for id in local._masking_vpc.subnet_ids : "arn:${format(local._arn_prefix, "ec2")}:subnet/${id}"],
    [for id in local._masking_vpc.security_group_ids : "arn:${format(local._arn_prefix, "ec2")}:security-group/${id}"],
  )
  network_interface_arns_pattern = "arn:${format(local._arn_prefix, "ec2")}:network-interface/*"

  # The post-process Lambda writes one JSON object per decision
  # (lambda_src/dms_automation/log.py); the task-failed alarm counts the
  # "run-failed" ones.
  task_failed_log_pattern = "{ $.decision = \"run-failed\" }"
  # ... and one "masking-coverage" line per masked load, with the number of
  # sensitive-looking columns no rule masks (lambda_src/dms_automation/masking).
  masking_coverage_log_pattern = "{ $.decision = \"masking-coverage\" }"

  alarm_actions = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]
}
