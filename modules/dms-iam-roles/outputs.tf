################################################################################
# Outputs, in alphabetical order
################################################################################

output "access_for_endpoint_role_arn" {
  description = "ARN of dms-access-for-endpoint (null unless create_access_for_endpoint_role)."
  value       = try(aws_iam_role.access_for_endpoint[0].arn, null)
}

output "cloudwatch_logs_role_arn" {
  description = "ARN of dms-cloudwatch-logs-role."
  value       = aws_iam_role.dms_cloudwatch_logs.arn
}

output "vpc_role_arn" {
  description = "ARN of dms-vpc-role."
  value       = aws_iam_role.dms_vpc.arn
}
