# The root module creating the baseline, with only the required inputs.
create_baseline = true
name_prefix     = "dms"
