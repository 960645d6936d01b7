# A CDC task whose source the user prepared: no premigration assessment, no bucket, no role.
migration_refresh_indicator = "data-migration"
migration_refresh_type      = "cdc"
schedule_or_one_time        = "one-time"
check_cdc_source            = false
