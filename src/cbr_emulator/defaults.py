"""Documented default credentials: two projects, each with a token and an AK/SK pair.

The values are deliberately fake and stable so that users (and the official SDK) can be pointed at
the emulator without any configuration. They grant nothing anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AccessKey:
    ak: str
    sk: str


@dataclass(frozen=True)
class ProjectCredentials:
    project_id: str
    user_id: str
    tokens: tuple[str, ...] = ()
    access_keys: tuple[AccessKey, ...] = field(default_factory=tuple)


PROJECT_A = "c0ffee00000000000000000000000a01"
PROJECT_B = "c0ffee00000000000000000000000b02"

DEFAULT_CREDENTIALS: tuple[ProjectCredentials, ...] = (
    ProjectCredentials(
        project_id=PROJECT_A,
        user_id="c0ffee000000000000000000user0a01",
        tokens=("FAKE-TOKEN-PROJECT-A",),
        access_keys=(AccessKey(ak="FAKEAKPROJECTA000001", sk="FAKE-SK-project-a-not-a-secret-00000001"),),
    ),
    ProjectCredentials(
        project_id=PROJECT_B,
        user_id="c0ffee000000000000000000user0b02",
        tokens=("FAKE-TOKEN-PROJECT-B",),
        access_keys=(AccessKey(ak="FAKEAKPROJECTB000002", sk="FAKE-SK-project-b-not-a-secret-00000002"),),
    ),
)


def credentials_as_json(credentials: tuple[ProjectCredentials, ...]) -> dict[str, object]:
    """The JSON form read by ``--credentials`` and printed by ``cbr-emulator credentials``."""
    return {
        "projects": [
            {
                "project_id": c.project_id,
                "user_id": c.user_id,
                "tokens": list(c.tokens),
                "access_keys": [{"ak": k.ak, "sk": k.sk} for k in c.access_keys],
            }
            for c in credentials
        ]
    }
