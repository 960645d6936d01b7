terraform {
  # 1.9: validations that read another variable (default_where) name the offending rules.
  required_version = ">= 1.9"
}
