# The root's table_selection with an empty table name, refused at the root's own input.
create_baseline = true
table_selection = [{ schema = "HR", table = "" }]
