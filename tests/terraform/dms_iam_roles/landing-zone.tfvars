# A landing zone: a permissions boundary and a path on every role, and the Redshift role too.
create_access_for_endpoint_role = true
iam_role_path                   = "/dms/"
iam_role_permissions_boundary   = "arn:aws:iam::123456789012:policy/workload-boundary"
