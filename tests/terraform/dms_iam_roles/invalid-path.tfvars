# A path must begin and end with a slash.
iam_role_path = "dms"
