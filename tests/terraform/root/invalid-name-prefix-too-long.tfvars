# 46 characters: the baseline's IAM role "<name_prefix>-dms-secrets-access" would exceed 64.
create_baseline = true
name_prefix     = "a-name-prefix-of-forty-six-characters-for-test"
