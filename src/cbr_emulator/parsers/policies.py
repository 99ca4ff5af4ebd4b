"""Bodies and queries of the policy operations (4.6)."""

from __future__ import annotations

import re
from typing import Any

from cbr_emulator import errors
from cbr_emulator.models import triggers
from cbr_emulator.models.policies import PolicyCreate, PolicyUpdate
from cbr_emulator.validation import Obj, Query, check_str

# Chinese characters too, as the official SDK documents (PolicyCreate.name)
_NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9_-]{1,64}$")
_TIMEZONE = re.compile(r"^UTC[+-](0\d|1[0-4]):[0-5]\d$")
LONG_TERM_FIELDS = ("day_backups", "week_backups", "month_backups", "year_backups")
OPERATION_TYPES = ("backup", "replication")


def _retention_limit(definition: Obj, key: str) -> int | None:
    """max_backups and retention_duration_days: -1 (no limit) or 0..99999, as the tables' prose and
    the SDK read them (the tables' "Minimum: 1" would exclude their own default of -1)."""
    return definition.integer(key, minimum=-1, maximum=99999)


def parse_operation_definition(definition: Obj) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key in ("max_backups", "retention_duration_days"):
        value = _retention_limit(definition, key)
        if value is not None:
            result[key] = value
    for key in LONG_TERM_FIELDS:
        count = definition.integer(key, minimum=0, maximum=100)
        if count is not None:
            result[key] = count
    result.update(_replication_and_retention(definition))
    timezone = definition.text("timezone", pattern=_TIMEZONE)
    if timezone is not None:
        result["timezone"] = timezone
    elif any(key in result for key in LONG_TERM_FIELDS):
        raise errors.invalid_parameter("timezone is required with day/week/month/year_backups")
    return result


def _replication_and_retention(definition: Obj) -> dict[str, Any]:
    """Today's fields of operation_definition (the SDK's PolicyoODCreate), echoed back as given:
    the destination of a replication policy, acceleration, full backups, long-term retention."""
    found: dict[str, Any] = {
        "destination_region": definition.text("destination_region", max_len=255),
        "destination_project_id": definition.text("destination_project_id"),
        "cross_account_urn": definition.text("cross_account_urn"),
        "enable_acceleration": definition.boolean("enable_acceleration"),
        "full_backup_interval": definition.integer("full_backup_interval", minimum=-1, maximum=100),
    }
    rules = definition.child("advanced_retention_rules")
    if rules is not None:
        found["advanced_retention_rules"] = _advanced_retention(rules)
    return {key: value for key, value in found.items() if value is not None}


# The SDK's Policy{Weekly,Monthly,Yearly}RetentionRules: their list fields, and the longest
# retention_duration_periods each documents (in weeks, months, years; -1 turns the rule off).
_RULE_LISTS = {
    "weekly": ("days_of_week",),
    "monthly": ("retention_weeks", "days_of_week", "days_of_month"),
    "yearly": ("retention_months", "retention_weeks", "days_of_week", "days_of_month"),
}
_RULE_PERIODS = {"weekly": 5200, "monthly": 1200, "yearly": 100}


def _advanced_retention(rules: Obj) -> dict[str, Any]:
    """advanced_retention_rules, kept to be echoed: only the members given, each well-typed."""
    result: dict[str, Any] = {}
    for period, lists in _RULE_LISTS.items():
        rule = rules.child(f"{period}_retention_rules")
        if rule is None:
            continue
        kept: dict[str, Any] = {}
        if period != "weekly":
            kept["retention_type"] = rule.text("retention_type")
        for key in lists:
            items = rule.array(key)
            if items is not None:
                where = f"{rule.path}.{key}"
                if key == "days_of_month":
                    kept[key] = [
                        Obj({key: item}, where).integer(key, required=True, minimum=-1, maximum=28)
                        for item in items
                    ]
                else:
                    kept[key] = [check_str(item, f"{where}[{i}]") for i, item in enumerate(items)]
        kept["retention_duration_periods"] = rule.integer(
            "retention_duration_periods", minimum=-1, maximum=_RULE_PERIODS[period]
        )
        result[f"{period}_retention_rules"] = {k: v for k, v in kept.items() if v is not None}
    return result


def start_window(trigger: Obj | None) -> int | None:
    """The trigger's start_window_minutes (the SDK's PolicyTriggerPropertiesReq)."""
    properties = None if trigger is None else trigger.child("properties")
    return None if properties is None else properties.integer("start_window_minutes")


def _patterns(trigger: Obj) -> tuple[str, ...]:
    properties = trigger.child("properties", required=True)
    assert properties is not None
    patterns = properties.texts("pattern", required=True, max_len=512)
    assert patterns is not None
    triggers.validate_patterns(patterns)
    return tuple(patterns)


def parse_policy_create(body: Any) -> PolicyCreate:
    policy = Obj(body, "body").child("policy", required=True)
    assert policy is not None
    name = policy.text("name", required=True, pattern=_NAME)
    operation_type = policy.text("operation_type", required=True)
    if operation_type not in OPERATION_TYPES:
        raise errors.unknown_policy_type(str(operation_type))
    definition = policy.child("operation_definition", required=True)
    trigger = policy.child("trigger", required=True)
    assert name is not None and definition is not None and trigger is not None
    enabled = policy.boolean("enabled")
    return PolicyCreate(
        name=name,
        operation_type=operation_type,
        patterns=_patterns(trigger),
        operation_definition=parse_operation_definition(definition),
        enabled=True if enabled is None else enabled,
        start_window_minutes=start_window(trigger),
    )


def parse_policy_update(body: Any) -> PolicyUpdate:
    policy = Obj(body, "body").child("policy", required=True)
    assert policy is not None
    definition = policy.child("operation_definition")
    trigger = policy.child("trigger")
    return PolicyUpdate(
        # 4-205 (E-POLICY-UPDATE-NAME): 1 to 64 characters, without creation's character classes
        name=policy.text("name", min_len=1, max_len=64),
        enabled=policy.boolean("enabled"),
        operation_definition=None if definition is None else parse_operation_definition(definition),
        patterns=None if trigger is None else _patterns(trigger),
        start_window_minutes=start_window(trigger),
    )


def parse_policy_filter(query: Query) -> tuple[str | None, str | None]:
    return query.text("operation_type", choices=OPERATION_TYPES), query.text("vault_id")
