# A path that does not end with a slash, refused at the consumer's own line.
create_baseline = true
name_prefix     = "team-a"
iam_role_path   = "/dms"
