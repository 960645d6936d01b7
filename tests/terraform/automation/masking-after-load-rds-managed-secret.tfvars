# After-load masking with the secret RDS manages for an Aurora cluster (rds!cluster-<id>),
# as the baseline hands it over, and a key secret whose name has a path.
migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "one-time"
masking_rules = [
  { schema = "hr", table = "employees", column = "ssn", strategy = "hash" },
]
masking_secret_arn     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1a96bebc-86c1-4982-9f9f-7d6a651d2464-AbCdEf"
masking_key_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/qa+keys=1.x@eu_masking-key-Zy9XwV"
masking_vpc_config = {
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = ["sg-0123456789abcdef0"]
}
masking_database = { host = "qa-target.cluster-abc.eu-west-1.rds.amazonaws.com" }
