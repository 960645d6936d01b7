# The baseline with only its defaults: a new network, both databases, DMS and the preparation.
