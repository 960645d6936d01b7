# Two rules DMS applies while loading, two the post-process Lambda applies after the load.
masking_rules = [
  { schema = "hr", table = "employees", column = "ssn", strategy = "hash", where = "dms", options = { allow_unkeyed_hash = true } },
  { schema = "hr", table = "employees", column = "phone", strategy = "mask_digits", where = "dms", options = { mask_char = "#" } },
  { schema = "hr", table = "employees", column = "email", strategy = "fake_email" },
  { schema = "crm", table = "contacts", column = "notes", strategy = "null" },
]
