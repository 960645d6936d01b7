"""Many masking rules with realistic names, for the plan tests of large rule sets.

.venv/bin/python -m tests.terraform.many_rules 200 > tests/terraform/automation/masking-after-load-200-rules.tfvars
"""

from __future__ import annotations

import random
import sys
from typing import Any

SCHEMAS = ("customer_data", "billing", "hr_core", "crm", "support_tickets")
TABLES = (
    "customer_accounts", "customer_addresses", "payment_methods", "invoices", "employees",
    "employee_dependants", "contacts", "leads", "tickets", "ticket_messages", "shipping_addresses",
    "loyalty_members", "subscriptions", "refund_requests", "marketing_consents", "partner_contacts",
    "vendor_bank_accounts", "insurance_claims", "patients", "appointments",
)  # fmt: skip
COLUMNS = (
    "email_address", "phone_number", "mobile_phone", "date_of_birth", "national_id_number",
    "passport_number", "iban", "card_number", "billing_address_line1", "billing_address_line2",
    "postal_code", "first_name", "last_name", "full_name", "salary_amount", "tax_identifier",
    "emergency_contact_phone", "secondary_email", "ip_address", "driver_license_number",
)  # fmt: skip
OPTIONS: dict[str, dict[str, Any]] = {
    "hash": {},
    "redact": {"keep_last": 4},
    "mask_digits": {"mask_char": "#"},
    "randomize_digits": {},
    "fake_email": {"domain": "example.invalid"},
    "null": {},
    "fixed": {"value": "REDACTED"},
}


def rules(count: int, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    seen: set[tuple[str, str, str]] = set()
    found: list[dict[str, Any]] = []
    while len(found) < count:
        place = (rng.choice(SCHEMAS), rng.choice(TABLES), rng.choice(COLUMNS))
        if place in seen:
            continue
        seen.add(place)
        strategy = rng.choice(tuple(OPTIONS))
        schema, table, column = place
        found.append({"schema": schema, "table": table, "column": column, "strategy": strategy,
                      "options": OPTIONS[strategy]})  # fmt: skip
    return found


def tfvars(count: int, extra: str = "") -> str:
    lines = [f"# {count} after-load masking rules (python -m tests.terraform.many_rules {count}).", extra]
    lines.append("masking_rules = [")
    for rule in rules(count):
        options = ", ".join(
            f"{k} = {v}" if isinstance(v, int) else f'{k} = "{v}"' for k, v in rule["options"].items()
        )
        lines.append(
            f'  {{ schema = "{rule["schema"]}", table = "{rule["table"]}", column = "{rule["column"]}", '
            f'strategy = "{rule["strategy"]}", options = {{ {options} }} }},'.replace("{  }", "{}")
        )
    lines.append("]")
    return "\n".join(line for line in lines if line) + "\n"


COMMON = """migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
masking_secret_arn          = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qa-target-AbCdEf"
masking_key_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qa-masking-key-AbCdEf"
masking_vpc_config = {
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = ["sg-0123456789abcdef0"]
}
masking_database = { host = "qa-target.cluster-abc.eu-west-1.rds.amazonaws.com", name = "orders" }"""

if __name__ == "__main__":
    sys.stdout.write(tfvars(int(sys.argv[1]), COMMON))
