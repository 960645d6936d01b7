# A landing zone: a permissions boundary and a path on every role.
iam_role_path                 = "/dms/"
iam_role_permissions_boundary = "arn:aws:iam::123456789012:policy/workload-boundary"
