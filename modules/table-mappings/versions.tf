terraform {
  # Data only: no provider. 1.9: validations that read another variable.
  required_version = ">= 1.9"
}
