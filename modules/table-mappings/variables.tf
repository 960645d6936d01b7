################################################################################
# Inputs, in alphabetical order. The three are those of modules/baseline (a test
# keeps their validations identical).
################################################################################

variable "extra_table_mapping_rules" {
  description = "More DMS table-mapping rules appended after the selection rules (for example the masking transformation rules of modules/automation/modules/masking-rules): a list of rule objects, or a JSON string holding such a list or a {\"rules\": [...]} document. Their rule-id values are renumbered to follow the other rules; rule-name is kept."
  type        = any
  default     = []
  nullable    = false

  validation {
    condition = alltrue([
      for rule in try(
        try(jsondecode(var.extra_table_mapping_rules).rules, jsondecode(var.extra_table_mapping_rules)),
        var.extra_table_mapping_rules.rules,
        var.extra_table_mapping_rules,
      ) :
      contains(["selection", "transformation", "table-settings"], try(rule["rule-type"], ""))
    ])
    error_message = "extra_table_mapping_rules must be a list of DMS table-mapping rule objects (or JSON of one), each with \"rule-type\" set to selection, transformation or table-settings."
  }
}

variable "table_mappings_json" {
  description = "For experts: the task's complete table-mapping document (JSON). Overrides table_selection; extra_table_mapping_rules are still appended."
  type        = string
  default     = null

  validation {
    condition     = var.table_mappings_json == null || can(tolist(jsondecode(var.table_mappings_json).rules))
    error_message = "table_mappings_json must be a JSON document with a \"rules\" list (DMS table-mapping format), or null."
  }
}

variable "table_selection" {
  description = "Which tables the task replicates, as data: a list of rules rendered into DMS selection rules, in order. schema and table are names or patterns (% matches any); action is include, exclude or explicit; filters (include rules on exact names only) keep rows whose column matches one of the conditions. Default: every table of every schema."
  type = list(object({
    schema = string
    table  = optional(string, "%")
    action = optional(string, "include")
    name   = optional(string)
    filters = optional(list(object({
      column = string
      conditions = list(object({
        operator = string
        value    = optional(string)
        start    = optional(string)
        end      = optional(string)
      }))
    })), [])
  }))
  default  = [{ schema = "%", table = "%", action = "include" }]
  nullable = false

  validation {
    # A DMS selection rule's object-locator names a schema and a table, or a pattern with %
    # (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Selections.html);
    # an empty name is no name of either.
    condition     = alltrue([for rule in var.table_selection : try(trimspace(rule.schema), "") != "" && try(trimspace(rule.table), "") != ""])
    error_message = "table_selection needs a schema and a table name (or a % pattern) in every rule; empty in: ${join(", ", [for i, rule in var.table_selection : "[${i}] schema = ${jsonencode(rule.schema)}, table = ${jsonencode(rule.table)}" if try(trimspace(rule.schema), "") == "" || try(trimspace(rule.table), "") == ""])}. Use % for every schema or table, e.g. { schema = \"HR\", table = \"%\" }."
  }

  validation {
    condition     = alltrue([for rule in var.table_selection : contains(["include", "exclude", "explicit"], rule.action)])
    error_message = "Every table_selection action must be include, exclude or explicit; got ${jsonencode([for rule in var.table_selection : rule.action])}."
  }

  validation {
    condition     = var.table_mappings_json != null || anytrue([for rule in var.table_selection : rule.action != "exclude"])
    error_message = "table_selection needs at least one include (or explicit) rule, or the task replicates nothing."
  }

  validation {
    condition = alltrue([
      for rule in var.table_selection : length(rule.filters) == 0 || (
        rule.action != "exclude" && !strcontains(rule.schema, "%") && !strcontains(rule.table, "%")
      )
    ])
    error_message = "table_selection filters are only allowed on include or explicit rules naming one exact schema and table (no % patterns): DMS ignores them otherwise."
  }

  validation {
    condition = alltrue(flatten([
      for rule in var.table_selection : [
        for filter in rule.filters : [
          for c in filter.conditions : (
            contains(["eq", "noteq", "ste", "gte"], c.operator) ? c.value != null :
            contains(["between", "notbetween"], c.operator) ? c.start != null && c.end != null :
            contains(["null", "notnull"], c.operator)
          )
        ]
      ]
    ]))
    error_message = "Each table_selection filter condition needs operator eq, noteq, ste or gte with a value; between or notbetween with start and end; or null or notnull with no value."
  }
}
