################################################################################
# EventBridge schedule expressions: the one rule of every schedule input
################################################################################

# This file is byte-identical in the root module and in modules/automation (a
# variable's validation can only read its own module's locals);
# tests/terraform/test_schedule_expression.py keeps the copies equal and checks
# the pattern with Terraform's own regex engine against the expressions below.
#
# The fields, values and wildcards are those of EventBridge's cron reference,
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html
# and of its schedule-pattern page (cron and rate),
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html:
#   minutes 0-59, hours 0-23, month 1-12 or JAN-DEC, year 1970-2199: , - * /
#   day-of-month 1-31: , - * ? / L W    day-of-week 1-7 or SUN-SAT: , - * ? L #
# One of the two day fields is ?, the other a value or *; a day-of-week with #
# holds that one expression only ("3#1,6#3" is refused). Names are accepted in
# either case. rate(<n> <unit>): a positive whole n, the unit singular for 1 and
# plural otherwise (rate(1 hours) and rate(5 hour) are refused).
locals {
  _cron_step = "(/[1-9][0-9]{0,3})?"
  _cron_values = {
    minutes = "[0-5]?[0-9]"
    hours   = "([01]?[0-9]|2[0-3])"
    day     = "(0?[1-9]|[12][0-9]|3[01])"
    month   = "(0?[1-9]|1[0-2]|(?i:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC))"
    weekday = "([1-7]|(?i:SUN|MON|TUE|WED|THU|FRI|SAT))"
    year    = "(19[7-9][0-9]|2[01][0-9]{2})"
  }
  # One element of a list: *, a value or a range a-b, each with an optional increment /n;
  # the day fields add their own wildcards (L, LW, <day>W; L, <weekday>L) and drop /
  # where the reference does (day-of-week).
  _cron_items = merge(
    { for field, value in local._cron_values : field => "(\\*${local._cron_step}|${value}(-${value})?${local._cron_step})" },
    {
      day     = "(\\*${local._cron_step}|L|LW|${local._cron_values.day}W|${local._cron_values.day}(-${local._cron_values.day})?${local._cron_step})"
      weekday = "(\\*|L|${local._cron_values.weekday}L|${local._cron_values.weekday}(-${local._cron_values.weekday})?)"
    },
  )
  _cron_fields = merge(
    { for field, item in local._cron_items : field => "${item}(,${item})*" },
    { weekday = "(${local._cron_values.weekday}#[1-5]|${local._cron_items.weekday}(,${local._cron_items.weekday})*)" },
  )
  _cron_pattern = join("", [
    "cron\\(${local._cron_fields.minutes} ${local._cron_fields.hours} ",
    "(${local._cron_fields.day} ${local._cron_fields.month} \\?|\\? ${local._cron_fields.month} ${local._cron_fields.weekday})",
    " ${local._cron_fields.year}\\)",
  ])
  _rate_pattern = "rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)"

  schedule_expression_pattern = "^(${local._rate_pattern}|${local._cron_pattern})$"
  # What every schedule input's error message says is allowed.
  schedule_expression_allowed = "use cron(minutes hours day-of-month month day-of-week year) with minutes 0-59, hours 0-23, day-of-month 1-31 (or L, LW, <day>W), month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (or L, <weekday>L, <weekday>#<1-5>), year 1970-2199, each field a value, a range a-b, a list a,b, * or an increment a/n (not in day-of-week), and exactly one of day-of-month and day-of-week set to ?, e.g. cron(0 0 * * ? *) or cron(15 10 ? * MON-FRI *); or rate(<n> minutes|hours|days) with the singular unit for 1, e.g. rate(1 day) (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html)"
}
