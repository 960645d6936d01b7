# A pure module: no resources. It renders one list of masking rules two ways — DMS table-mapping
# transformation rules for the rules applied while loading, and the JSON the post-process Lambda
# reads (MASKING_RULES) for the rules applied after the load.

locals {
  # strategy -> DMS rule-action ("Using data masking to hide sensitive information", DMS 3.5.4+).
  _dms_actions = {
    hash             = "data-masking-hash-mask"
    randomize_digits = "data-masking-digits-randomize"
    mask_digits      = "data-masking-digits-mask"
  }

  _rules = [
    for r in var.masking_rules : merge(r, {
      where   = coalesce(r.where, var.default_where)
      options = { for k, v in r.options : k => v if v != null }
    })
  ]

  dms_rules        = [for r in local._rules : r if r.where == "dms"]
  after_load_rules = [for r in local._rules : r if r.where == "after_load"]

  dms_transformation_rules = [
    for i, r in local.dms_rules : merge(
      {
        "rule-type"   = "transformation"
        "rule-id"     = tostring(var.first_rule_id + i)
        "rule-name"   = "mask-${r.schema}-${r.table}-${r.column}"
        "rule-target" = "column"
        "object-locator" = {
          "schema-name" = r.schema
          "table-name"  = r.table
          "column-name" = r.column
        }
        "rule-action" = local._dms_actions[r.strategy]
      },
      # Digits Mask takes the masking character as "value".
      r.strategy == "mask_digits" ? { "value" = lookup(r.options, "mask_char", "*") } : {},
    )
  ]

  after_load_document = {
    version = 1
    rules = [
      for r in local.after_load_rules : {
        schema   = r.schema
        table    = r.table
        column   = r.column
        strategy = r.strategy
        where    = r.where
        options  = r.options
      }
    ]
  }
}
