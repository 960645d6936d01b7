# DMS's own hash (unkeyed SHA-256, 64 characters) without the opt-in.
default_where = "dms"
masking_rules = [
  { schema = "crm", table = "contacts", column = "phone", strategy = "hash" },
]
