masking_rules = [
  { schema = "hr", table = "employees", column = "ssn", strategy = "scramble" },
]
