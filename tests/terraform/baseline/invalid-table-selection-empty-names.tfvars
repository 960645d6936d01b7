# A rule with an empty schema and one with an empty table name: no name DMS could select.
table_selection = [
  { schema = "HR", table = "EMPLOYEES" },
  { schema = "", table = "%" },
  { schema = "SALES", table = " " },
]
