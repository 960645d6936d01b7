# A prefix that DMS and RDS identifiers refuse (upper case, underscore).
create_baseline = true
name_prefix     = "Team_A"
