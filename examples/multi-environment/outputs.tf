output "environments" {
  description = "Per environment: its task, its target endpoint and secret, and its automation (trigger rule, Lambdas, run-state table, topic)."
  value       = module.dms_automation.environments
}
