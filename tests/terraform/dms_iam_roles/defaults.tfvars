# The two roles every account using DMS through the API needs, at the root path, no boundary.
