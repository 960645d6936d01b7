output "replication_task_arn" {
  description = "ARN of the environment's DMS replication task (input of modules/automation)."
  value       = aws_dms_replication_task.this.replication_task_arn
}

output "replication_task_id" {
  description = "Identifier of the environment's DMS replication task (input of modules/automation); known at plan time."
  value       = aws_dms_replication_task.this.replication_task_id
}

output "secrets_access_role_arn" {
  description = "ARN of the IAM role the target endpoint assumes to read its secret."
  value       = aws_iam_role.secrets_access.arn
}

output "table_mappings" {
  description = "The task's table-mapping document (JSON): the selection rules, then the extra (masking) rules."
  value       = module.table_mappings.json
}

output "target_cluster_endpoint" {
  description = "Writer endpoint (host name) of a created target cluster (null with create_target = false)."
  value       = try(aws_rds_cluster.target[0].endpoint, null)
}

output "target_cluster_identifier" {
  description = "Identifier of a created target cluster (null with create_target = false)."
  value       = try(aws_rds_cluster.target[0].cluster_identifier, null)
}

output "target_endpoint_arn" {
  description = "ARN of the environment's DMS target endpoint."
  value       = aws_dms_endpoint.target.endpoint_arn
}

output "target_master_secret_arn" {
  description = "ARN of a created target cluster's RDS-managed master secret (null with create_target = false)."
  value       = try(aws_rds_cluster.target[0].master_user_secret[0].secret_arn, null)
}

output "target_secret_arn" {
  description = "ARN of the secret the target endpoint reads: the DMS user's secret created here, or target_secret_arn."
  value       = local.target_secret_arn
}

output "target_security_group_id" {
  description = "Security group of a created target cluster (null with create_target = false)."
  value       = try(aws_security_group.target[0].id, null)
}
