output "cdc_source_prepared" {
  description = "Whether the preparation function prepares the source for CDC (archive-log retention, supplemental logging): with cdc or full-load-and-cdc, prepare_databases on and no source_dms_secret_arn given. Known at plan time."
  value       = local.prepare_databases && try(local.prepare_input.source.cdc, false)
}

output "db_subnet_group_name" {
  description = "DB subnet group of the databases' subnets (where modules/environment creates a target in this network)."
  value       = aws_db_subnet_group.this.name
}

output "iam_role_arns" {
  description = "ARNs of the IAM roles the module creates: secrets_access (the DMS endpoints'), prepare_databases (null when the preparation does not run)."
  value = {
    secrets_access    = aws_iam_role.secrets_access.arn
    prepare_databases = try(aws_iam_role.prepare_databases[0].arn, null)
  }
}

output "log_group_names" {
  description = "CloudWatch log groups the module creates: prepare_databases (null when the preparation does not run)."
  value = {
    prepare_databases = try(aws_cloudwatch_log_group.prepare_databases[0].name, null)
  }
}

output "main_route_table_id" {
  description = "Route table of the private subnets this module creates with the VPC (the VPC's main route table; null with your own vpc_id): where gateway endpoints are routed."
  value       = local.create_vpc ? aws_vpc.this[0].main_route_table_id : null
}

output "masking_secret_arn" {
  description = "ARN of the secret after-load masking connects with: the masking user's (masking_user, created and written by the preparation function), else the target cluster's RDS-managed master secret (no masking_user, or prepare_databases = false)."
  value       = try(aws_secretsmanager_secret.masking[0].arn, aws_rds_cluster.target[0].master_user_secret[0].secret_arn, null)
}

output "preparation" {
  description = "The database preparation function, for modules/environment to prepare a target it creates in this network: { function_name, role_name, security_group_id }, or null when the function does not exist (prepare_databases = false, or both DMS secrets given)."
  value = local.prepare_databases ? {
    function_name     = aws_lambda_function.prepare_databases[0].function_name
    role_name         = aws_iam_role.prepare_databases[0].name
    security_group_id = aws_security_group.prepare_databases[0].id
  } : null
}

output "prepared_databases" {
  description = "What the preparation function did on apply (DMS users, statement counts, secrets written; no password), or null when it did not run."
  value       = local.prepare_databases ? jsondecode(aws_lambda_invocation.prepare_databases[0].result) : null
}

output "replication_instance_arn" {
  description = "ARN of the DMS replication instance."
  value       = aws_dms_replication_instance.this.replication_instance_arn
}

output "replication_instance_id" {
  description = "Identifier of the DMS replication instance (the ReplicationInstanceIdentifier dimension of its CloudWatch metrics)."
  value       = aws_dms_replication_instance.this.replication_instance_id
}

output "replication_task_arn" {
  description = "ARN of the DMS replication task (input of modules/automation); null with create_task = false."
  value       = try(aws_dms_replication_task.this[0].replication_task_arn, null)
}

output "replication_task_id" {
  description = "Identifier of the DMS replication task (input of modules/automation); known at plan time. Null with create_task = false."
  value       = try(aws_dms_replication_task.this[0].replication_task_id, null)
}

output "secrets_access_role_arn" {
  description = "ARN of the IAM role the DMS endpoints assume to read their secrets."
  value       = aws_iam_role.secrets_access.arn
}

output "security_group_ids" {
  description = "Security groups by part: replication_instance, source, target (null with create_target = false)."
  value = {
    replication_instance = aws_security_group.replication_instance.id
    source               = aws_security_group.source.id
    target               = try(aws_security_group.target[0].id, null)
  }
}

output "source_db_instance_identifier" {
  description = "Identifier of the source RDS for Oracle instance."
  value       = aws_db_instance.source.identifier
}

output "source_endpoint_arn" {
  description = "ARN of the DMS source endpoint."
  value       = aws_dms_endpoint.source.endpoint_arn
}

output "source_secret_arn" {
  description = "ARN of the secret the source endpoint reads: the DMS user's secret this module creates, or source_dms_secret_arn."
  value       = local.source_secret_arn
}

output "subnet_ids" {
  description = "Subnets of the databases and the replication instance."
  value       = local.subnet_ids
}

output "table_mappings" {
  description = "The task's table-mapping document (JSON) as rendered from table_selection, table_mappings_json and extra_table_mapping_rules."
  value       = local.table_mappings
}

output "target_cluster_endpoint" {
  description = "Writer endpoint (host name) of the target Aurora MySQL cluster (null with create_target = false)."
  value       = try(aws_rds_cluster.target[0].endpoint, null)
}

output "target_cluster_identifier" {
  description = "Identifier of the target Aurora MySQL cluster (null with create_target = false)."
  value       = try(aws_rds_cluster.target[0].cluster_identifier, null)
}

output "target_database_name" {
  description = "Name of the database in the target cluster (null with create_target = false)."
  value       = try(aws_rds_cluster.target[0].database_name, null)
}

output "target_endpoint_arn" {
  description = "ARN of the DMS target endpoint (null with create_target = false)."
  value       = try(aws_dms_endpoint.target[0].endpoint_arn, null)
}

output "target_master_secret_arn" {
  description = "ARN of the target cluster's RDS-managed master secret (username and password only; for after-load masking, which needs more than the DMS user's grants)."
  value       = try(aws_rds_cluster.target[0].master_user_secret[0].secret_arn, null)
}

output "target_port" {
  description = "Port of the target cluster."
  value       = local.target_port
}

output "target_secret_arn" {
  description = "ARN of the secret the target endpoint reads: the DMS user's secret this module creates, or target_dms_secret_arn (null with create_target = false)."
  value       = local.target_secret_arn
}

output "vpc_endpoints_security_group_id" {
  description = "Security group of the Secrets Manager interface endpoint this module creates with the VPC (null with your own vpc_id): allow HTTPS egress to it from functions listed in vpc_endpoint_client_security_group_ids."
  value       = local.create_vpc ? aws_security_group.vpc_endpoints[0].id : null
}

output "vpc_id" {
  description = "VPC of the databases and the replication instance."
  value       = local.vpc_id
}
