"""Behaviours of a target's list filters the mutant set adds to mutant_behaviours.py: a filter
that lists exactly what it should leave out (the comparison turned round)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tests.shared_target.mutant_behaviours import Behaviour, Call, body_of, set_body
from tests.shared_target.mutating_proxy import Exchange

ITEMS = {
    "list_vaults": "vaults",
    "list_backups": "backups",
    "list_operation_logs": "operation_logs",
    "list_policies": "policies",
    "list_share_members": "members",
}


def _field(item: Any, path: str) -> Any:
    for step in path.split("."):
        item = item.get(step) if isinstance(item, dict) else None
    return item


class FilterInverted(Behaviour):
    """`operation`'s filter `param` lists the items whose `field` is *not* the value asked: the
    target is asked without it, and the answer keeps the others."""

    def __init__(self, upstream: str, operation: str, param: str, field: str) -> None:
        super().__init__(upstream)
        self.operation, self.param, self.field = operation, param, field

    def _applies(self, call: Call | None) -> bool:
        return call is not None and call.operation == self.operation and self.param in call.query

    def request(self, call: Call | None, exchange: Exchange) -> None:
        if call is not None and self._applies(call):
            query = {k: v for k, v in call.query.items() if k != self.param}
            exchange.path = call.path + ("?" + urlencode(query) if query else "")

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None or not self._applies(call) or exchange.status != 200:
            return
        body = body_of(exchange)
        key = ITEMS[self.operation]
        if isinstance(body, dict) and isinstance(body.get(key), list):
            asked = call.query[self.param]
            body[key] = [i for i in body[key] if str(_field(i, self.field)) != asked]
            body["count"] = len(body[key])
            set_body(exchange, body)
