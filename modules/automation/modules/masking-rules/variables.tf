variable "default_where" {
  description = "Where a rule without its own `where` is applied: \"dms\" (DMS transformation rules while loading) or \"after_load\" (the post-process Lambda, SQL on the target)."
  type        = string
  default     = "after_load"
  nullable    = false

  validation {
    condition     = contains(["dms", "after_load"], var.default_where)
    error_message = "default_where = \"${var.default_where}\" is not allowed; use \"dms\" or \"after_load\"."
  }
}

variable "first_rule_id" {
  description = "rule-id of the first rendered DMS transformation rule; the rest follow. Keep it clear of the ids of your selection rules."
  type        = number
  default     = 1001
  nullable    = false

  validation {
    condition     = var.first_rule_id >= 1 && floor(var.first_rule_id) == var.first_rule_id
    error_message = "first_rule_id = ${var.first_rule_id} is not allowed; use a whole number of 1 or more."
  }
}

variable "masking_rules" {
  description = <<-EOT
    Columns to mask. strategy: hash (HMAC-SHA-256 under the masking key, deterministic, cut to the column),
    redact (mask all but options.keep_last characters with options.mask_char), randomize_digits, mask_digits
    (digits become options.mask_char), fixed (options.value), null, fake_email (u<keyed hash>@options.domain).
    where: "dms" or "after_load" (default: default_where). DMS supports randomize_digits, mask_digits and hash
    (its own unkeyed SHA-256, only with options.allow_unkeyed_hash = true). options.salt is refused: the key of hash and fake_email lives in Secrets Manager.
  EOT
  type = list(object({
    schema   = string
    table    = string
    column   = string
    strategy = string
    where    = optional(string)
    options = optional(object({
      allow_unkeyed_hash = optional(bool)
      salt               = optional(string)
      keep_last          = optional(number)
      mask_char          = optional(string)
      value              = optional(string)
      domain             = optional(string)
    }), {})
  }))
  default  = []
  nullable = false

  validation {
    condition = alltrue([
      for r in var.masking_rules : alltrue([for name in [r.schema, r.table, r.column] : can(regex("^[A-Za-z0-9_$]{1,64}$", name))])
    ])
    error_message = "masking_rules: schema, table and column names must be 1-64 letters, digits, '_' or '$' (no quotes, spaces or dots); check: ${join(", ", [for r in var.masking_rules : "\"${r.schema}.${r.table}.${r.column}\"" if !alltrue([for name in [r.schema, r.table, r.column] : can(regex("^[A-Za-z0-9_$]{1,64}$", name))])])}."
  }

  validation {
    condition     = alltrue([for r in var.masking_rules : contains(["hash", "redact", "randomize_digits", "mask_digits", "fixed", "null", "fake_email"], r.strategy)])
    error_message = "masking_rules: unknown strategy in ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column} (strategy \"${r.strategy}\")" if !contains(["hash", "redact", "randomize_digits", "mask_digits", "fixed", "null", "fake_email"], r.strategy)])}; use one of: hash, redact, randomize_digits, mask_digits, fixed, null, fake_email."
  }

  validation {
    condition     = alltrue([for r in var.masking_rules : r.where == null || contains(["dms", "after_load"], coalesce(r.where, "after_load"))])
    error_message = "masking_rules: where must be \"dms\" or \"after_load\" (or unset for default_where); check: ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column} (where \"${coalesce(r.where, "-")}\")" if r.where != null && !contains(["dms", "after_load"], coalesce(r.where, "after_load"))])}."
  }

  validation {
    condition     = alltrue([for r in var.masking_rules : coalesce(r.where, var.default_where) != "dms" || contains(["hash", "randomize_digits", "mask_digits"], r.strategy)])
    error_message = "masking_rules: DMS can only apply hash, randomize_digits and mask_digits; set where = \"after_load\" for: ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column} (${r.strategy})" if coalesce(r.where, var.default_where) == "dms" && !contains(["hash", "randomize_digits", "mask_digits"], r.strategy)])}."
  }

  # DMS's "Data Masking: Hashing Mask" is a SHA-256 of the value with no key, always 64
  # characters ("Using data masking to hide sensitive information",
  # https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Masking.html):
  # a phone number or an ID is recovered by hashing every candidate. Only on request.
  validation {
    condition     = alltrue([for r in var.masking_rules : coalesce(r.where, var.default_where) != "dms" || r.strategy != "hash" || try(r.options.allow_unkeyed_hash, null) == true])
    error_message = "masking_rules: strategy hash with where = \"dms\" is DMS's own hash (data-masking-hash-mask): an unkeyed SHA-256, so phone numbers and IDs are recovered by hashing every possible value, and always 64 characters, which a shorter target column cannot hold. Mask these after load (where = \"after_load\": HMAC-SHA-256 under the masking key, cut to the column), or accept DMS's hash with options = { allow_unkeyed_hash = true } (the target column is then changed to a 64-character string first): ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column}" if coalesce(r.where, var.default_where) == "dms" && r.strategy == "hash" && try(r.options.allow_unkeyed_hash, null) != true])}."
  }

  validation {
    condition     = alltrue([for r in var.masking_rules : try(r.options.allow_unkeyed_hash, null) == null || (r.strategy == "hash" && coalesce(r.where, var.default_where) == "dms")])
    error_message = "masking_rules: options.allow_unkeyed_hash only applies to strategy hash with where = \"dms\" (after load, hash is always keyed); drop it from: ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column}" if try(r.options.allow_unkeyed_hash, null) != null && !(r.strategy == "hash" && coalesce(r.where, var.default_where) == "dms")])}."
  }

  validation {
    condition     = alltrue([for r in var.masking_rules : try(r.options.salt, null) == null])
    error_message = "masking_rules: options.salt is no longer accepted; hash and fake_email are keyed by the masking key in Secrets Manager (masking_key_secret_arn of modules/automation), so no salt sits in Terraform state or the Lambda environment. Drop options.salt from: ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column}" if try(r.options.salt, null) != null])}."
  }

  validation {
    condition = alltrue([for r in var.masking_rules : alltrue([
      for option, strategies in {
        keep_last = ["redact"]
        mask_char = ["redact", "mask_digits"]
        value     = ["fixed"]
        domain    = ["fake_email"]
      } : lookup(r.options, option, null) == null || contains(strategies, r.strategy)
    ])])
    error_message = "masking_rules: an option that does not apply to the rule's strategy is set (keep_last: redact; mask_char: redact, mask_digits; value: fixed; domain: fake_email); check: ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column} (${r.strategy}: ${join(", ", [for option, strategies in { keep_last = ["redact"], mask_char = ["redact", "mask_digits"], value = ["fixed"], domain = ["fake_email"] } : option if lookup(r.options, option, null) != null && !contains(strategies, r.strategy)])})" if anytrue([for option, strategies in { keep_last = ["redact"], mask_char = ["redact", "mask_digits"], value = ["fixed"], domain = ["fake_email"] } : lookup(r.options, option, null) != null && !contains(strategies, r.strategy)])])}."
  }

  validation {
    condition     = alltrue([for r in var.masking_rules : r.strategy != "fixed" || try(r.options.value, null) != null])
    error_message = "masking_rules: strategy fixed needs options.value (the constant to write); missing for: ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column}" if r.strategy == "fixed" && try(r.options.value, null) == null])}."
  }

  validation {
    condition     = alltrue([for r in var.masking_rules : try(r.options.keep_last, null) == null || try(r.options.keep_last >= 0 && r.options.keep_last <= 64 && floor(r.options.keep_last) == r.options.keep_last, false)])
    error_message = "masking_rules: options.keep_last must be a whole number from 0 to 64; check: ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column} (${try(r.options.keep_last, "")})" if !(try(r.options.keep_last, null) == null || try(r.options.keep_last >= 0 && r.options.keep_last <= 64 && floor(r.options.keep_last) == r.options.keep_last, false))])}."
  }

  validation {
    condition     = alltrue([for r in var.masking_rules : try(r.options.mask_char, null) == null || can(regex("^[!-~]$", r.options.mask_char))])
    error_message = "masking_rules: options.mask_char must be one printable ASCII character, not a space; check: ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column} (\"${try(r.options.mask_char, "")}\")" if !(try(r.options.mask_char, null) == null || can(regex("^[!-~]$", r.options.mask_char)))])}."
  }

  validation {
    condition     = alltrue([for r in var.masking_rules : try(r.options.domain, null) == null || can(regex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", r.options.domain))])
    error_message = "masking_rules: options.domain must be a domain name such as example.invalid; check: ${join(", ", [for r in var.masking_rules : "${r.schema}.${r.table}.${r.column} (\"${try(r.options.domain, "")}\")" if !(try(r.options.domain, null) == null || can(regex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", r.options.domain)))])}."
  }

  validation {
    condition     = length(distinct([for r in var.masking_rules : lower("${r.schema}.${r.table}.${r.column}")])) == length(var.masking_rules)
    error_message = "masking_rules: one rule per column; more than one rule for: ${join(", ", distinct([for r in var.masking_rules : "${r.schema}.${r.table}.${r.column}" if length([for s in var.masking_rules : s if lower("${s.schema}.${s.table}.${s.column}") == lower("${r.schema}.${r.table}.${r.column}")]) > 1]))}."
  }
}
