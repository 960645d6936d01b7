################################################################################
# DMS: subnet group, replication instance, endpoints, task
################################################################################

resource "aws_dms_replication_subnet_group" "this" {
  replication_subnet_group_id          = "${var.name_prefix}-replication"
  replication_subnet_group_description = "Private subnets of the ${var.name_prefix} replication instance"
  subnet_ids                           = local.subnet_ids

  tags = local.tags
}

resource "aws_dms_replication_instance" "this" {
  replication_instance_id    = "${var.name_prefix}-replication"
  replication_instance_class = var.replication_instance_class
  allocated_storage          = var.replication_instance_allocated_storage
  engine_version             = local.replication_instance_engine_version
  multi_az                   = var.replication_instance_multi_az
  kms_key_arn                = var.kms_key_arn

  replication_subnet_group_id = aws_dms_replication_subnet_group.this.id
  vpc_security_group_ids      = [aws_security_group.replication_instance.id]
  publicly_accessible         = false

  auto_minor_version_upgrade = true
  apply_immediately          = true

  tags = local.tags

  lifecycle {
    # With auto_minor_version_upgrade, DMS applies minor engine upgrades itself during the
    # maintenance window (AutoMinorVersionUpgrade, ModifyReplicationInstance in the DMS API
    # reference, https://docs.aws.amazon.com/dms/latest/APIReference/API_ModifyReplicationInstance.html;
    # "Modifying a replication instance",
    # https://docs.aws.amazon.com/dms/latest/userguide/CHAP_ReplicationInstance.Modifying.html):
    # a plan that compared the pin with the upgraded instance would try to set the older
    # version back, a downgrade. The version given is the one the instance is
    # created with (a floor AWS only raises); a later upgrade is made on the instance
    # (README, "Engine version").
    ignore_changes = [engine_version]

    precondition {
      condition     = !local.dms_masking || local.engine_version_supports_masking
      error_message = "replication_instance_engine_version = \"${coalesce(var.replication_instance_engine_version, "null")}\" is too old for the task's DMS data-masking rules, which DMS applies from engine 3.5.4 on; give 3.5.4 or later, or null (3.5.4 is then used), or apply those rules after the load (where = \"after_load\")."
    }
  }
}

resource "aws_dms_endpoint" "source" {
  endpoint_id   = "${var.name_prefix}-source"
  endpoint_type = "source"
  engine_name   = "oracle"
  database_name = aws_db_instance.source.db_name

  secrets_manager_arn             = local.source_secret_arn
  secrets_manager_access_role_arn = aws_iam_role.secrets_access.arn
  kms_key_arn                     = var.kms_key_arn

  tags = local.tags

  # DMS assumes the role when the endpoint is created; the secret holds the DMS
  # user's credentials once the preparation function has run.
  depends_on = [aws_iam_role_policy.secrets_access, aws_lambda_invocation.prepare_databases]
}

resource "aws_dms_endpoint" "target" {
  count = var.create_target ? 1 : 0

  endpoint_id   = "${var.name_prefix}-target"
  endpoint_type = "target"
  engine_name   = "aurora"

  secrets_manager_arn             = local.target_secret_arn
  secrets_manager_access_role_arn = aws_iam_role.secrets_access.arn
  kms_key_arn                     = var.kms_key_arn

  tags = local.tags

  depends_on = [aws_iam_role_policy.secrets_access, aws_lambda_invocation.prepare_databases]
}

resource "aws_dms_replication_task" "this" {
  count = var.create_task ? 1 : 0

  replication_task_id       = "${var.name_prefix}-task"
  migration_type            = var.migration_refresh_type
  replication_instance_arn  = aws_dms_replication_instance.this.replication_instance_arn
  source_endpoint_arn       = aws_dms_endpoint.source.endpoint_arn
  target_endpoint_arn       = aws_dms_endpoint.target[0].endpoint_arn
  table_mappings            = local.table_mappings
  replication_task_settings = var.replication_task_settings_json

  # The automation starts the task (on its trigger), never Terraform.
  start_replication_task = false

  tags = local.tags
}

# create_target and create_task (a shared-source baseline creates neither) put
# the target endpoint and the task under count; existing objects keep their place.
moved {
  from = aws_dms_endpoint.target
  to   = aws_dms_endpoint.target[0]
}

moved {
  from = aws_dms_replication_task.this
  to   = aws_dms_replication_task.this[0]
}
