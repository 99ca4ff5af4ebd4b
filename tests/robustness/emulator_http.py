"""The emulator's API over real HTTP (requests), for tests that need a socket between client and app."""

from __future__ import annotations

from typing import Any

import requests

from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from tests.emulator.helpers import Api


class _Client:
    def __init__(self, url: str, timeout: float, keep_alive: bool) -> None:
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        if not keep_alive:
            self.session.headers["Connection"] = "close"

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if "content" in kwargs:
            kwargs["data"] = kwargs.pop("content")
        return self.session.request(method, self.url + url, timeout=self.timeout, **kwargs)


def http_api(url: str, project: int = 0, timeout: float = 10.0, keep_alive: bool = False) -> Api:
    """An Api of the default project A (or B with project=1) over its own HTTP session
    (a kept-alive connection with keep_alive, else one connection per request)."""
    credentials = DEFAULT_CREDENTIALS[project]
    return Api(_Client(url, timeout, keep_alive), credentials.project_id, credentials.tokens[0])


def expect(answer: Any, status: int) -> Any:
    """The answer has this status; its JSON body (None for an empty one)."""
    assert answer.status_code == status, f"{answer.request.method} {answer.url}: {answer.text}"
    return answer.json() if answer.content else None
