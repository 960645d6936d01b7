# The baseline without a name prefix: two such roots in one account would share every name.
create_baseline = true
