migration_refresh_indicator = "data-migration"
migration_refresh_type      = "full-load-and-cdc"
schedule_or_one_time        = "one-time"
# The task's instance and endpoints, as the root module passes the baseline's: the
# starter may test their connections only.
task_resource_arns = {
  replication_instance_arn = "arn:aws:dms:eu-west-1:123456789012:rep:INSTANCE4DMSAUTOMATION"
  source_endpoint_arn      = "arn:aws:dms:eu-west-1:123456789012:endpoint:SOURCE4DMSAUTOMATION"
  target_endpoint_arn      = "arn:aws:dms:eu-west-1:123456789012:endpoint:TARGET4DMSAUTOMATION"
}
