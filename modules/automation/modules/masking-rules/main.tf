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
  # Characters of DMS's hash: a hex SHA-256.
  dms_hash_length = 64

  _rules = [
    for r in var.masking_rules : merge(r, {
      where   = coalesce(r.where, var.default_where)
      options = { for k, v in r.options : k => v if v != null }
    })
  ]

  dms_rules        = [for r in local._rules : r if r.where == "dms"]
  after_load_rules = [for r in local._rules : r if r.where == "after_load"]

  # DMS's hash is always 64 characters: an accepted unkeyed hash first widens the
  # target column with a change-data-type rule, which DMS allows on a masked column
  # and applies first because of its lower rule-id ("Transformation rules and
  # actions", Limitations and rule-id,
  # https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Transformations.html).
  _dms_steps = flatten([
    for r in local.dms_rules : concat(
      r.strategy == "hash" ? [{ rule = r, action = "change-data-type" }] : [],
      [{ rule = r, action = local._dms_actions[r.strategy] }],
    )
  ])

  dms_transformation_rules = [
    for i, step in local._dms_steps : merge(
      {
        "rule-type"   = "transformation"
        "rule-id"     = tostring(var.first_rule_id + i)
        "rule-name"   = "${step.action == "change-data-type" ? "widen" : "mask"}-${step.rule.schema}-${step.rule.table}-${step.rule.column}"
        "rule-target" = "column"
        "object-locator" = {
          "schema-name" = step.rule.schema
          "table-name"  = step.rule.table
          "column-name" = step.rule.column
        }
        "rule-action" = step.action
      },
      # Digits Mask takes the masking character as "value".
      step.action == "data-masking-digits-mask" ? { "value" = lookup(step.rule.options, "mask_char", "*") } : {},
      step.action == "change-data-type" ? { "data-type" = { "type" = "string", "length" = local.dms_hash_length } } : {},
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
