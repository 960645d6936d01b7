# The preparation of an Oracle source (the module's own DMS secret) with no driver layer:
# refused at plan, not failed on apply after the databases exist.
oracle_driver_layer_arn = null
