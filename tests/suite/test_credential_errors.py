"""A target that refuses the credentials stops the run before pytest starts (exit 3), with one line
that names the settings to fix: which project, which credential, and for a 403, the project id.

The standalone emulator answers as the API gateway does: 401 APIGW.0301 to a token or AK/SK pair it
does not know, 403 APIGW.0302 to valid credentials of another project than the URL's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cbr_conformance import cli
from cbr_emulator.defaults import DEFAULT_CREDENTIALS, PROJECT_A, PROJECT_B
from cbr_emulator.server import EmulatorServer
from tests.library.fake_target import Canned, FakeTarget

FIRST, OTHER = DEFAULT_CREDENTIALS
WRONG_TOKEN = "wrong-token-0123456789-abcdefghij"
WRONG_SK = "wrong-secret-key-0123456789-abcdefghij"
SECRETS = (
    WRONG_TOKEN,
    WRONG_SK,
    *FIRST.tokens,
    *OTHER.tokens,
    *(key for c in DEFAULT_CREDENTIALS for pair in c.access_keys for key in (pair.ak, pair.sk)),
)
FIRST_PROJECT_ID = "the project's id (--project-id, CBR_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID"
SECOND_PROJECT_ID = "the second project's id (--second-project-id, CBR_SECOND_PROJECT_ID"
TOKEN = "check CBR_AUTH_TOKEN (or 'token' in the config file)"
SECOND_TOKEN = "check CBR_SECOND_AUTH_TOKEN (or 'second_token' in the config file)"
AK_SK = "check HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or 'ak' and 'sk' in the config file)"


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    with EmulatorServer(async_delay=0.05) as server:
        yield server.url


def _refusal(
    target: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **variables: str
) -> str:
    """The one line a run prints when the target refuses its credentials."""
    env.delenv("CBR_AUTH_TOKEN")
    env.setenv("CBR_PROJECT_ID", PROJECT_A)
    for name, value in variables.items():
        env.setenv(name, value)
    code = cli.main(["run", "--target-url", target, "-k", "test_show_unknown_vault_is_not_found"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_UNREACHABLE, err
    assert err.count("\n") == 1 and err.startswith("cbr-conformance: the target refuses"), err
    assert "Traceback" not in err and not out  # refused before the run's header
    for secret in SECRETS:
        assert secret not in err
    return err


def test_a_wrong_token_names_the_projects_token(
    emulator: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refusal(emulator, env, capsys, CBR_AUTH_TOKEN=WRONG_TOKEN)
    assert f"credentials of the project {PROJECT_A} (HTTP 401 APIGW.0301" in line
    assert f"the token is wrong or has expired; {TOKEN}" in line
    assert "--project-id" not in line  # the project id is not what is wrong


def test_a_token_of_another_project_names_the_project_id(
    emulator: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refusal(emulator, env, capsys, CBR_AUTH_TOKEN=OTHER.tokens[0])
    assert f"credentials of the project {PROJECT_A} (HTTP 403 APIGW.0302" in line
    assert f"the token may be issued for another project than {PROJECT_A}" in line
    assert f"{TOKEN} against {FIRST_PROJECT_ID}" in line


def test_a_wrong_ak_sk_pair_names_the_access_key_variables(
    emulator: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ak = FIRST.access_keys[0].ak
    line = _refusal(emulator, env, capsys, HUAWEICLOUD_SDK_AK=ak, HUAWEICLOUD_SDK_SK=WRONG_SK)
    assert f"credentials of the project {PROJECT_A} (HTTP 401 APIGW.0301" in line
    assert "the AK/SK pair is wrong, or this machine's clock is off" in line
    assert AK_SK in line
    assert "CBR_AUTH_TOKEN" not in line


def test_an_ak_sk_pair_of_another_project_names_the_project_id(
    emulator: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = OTHER.access_keys[0]
    line = _refusal(emulator, env, capsys, HUAWEICLOUD_SDK_AK=other.ak, HUAWEICLOUD_SDK_SK=other.sk)
    assert "(HTTP 403 APIGW.0302" in line and f"may not reach project {PROJECT_A}" in line
    assert f"{AK_SK} against {FIRST_PROJECT_ID}" in line


def test_a_wrong_second_project_token_names_the_second_projects_settings(
    emulator: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refusal(
        emulator,
        env,
        capsys,
        CBR_AUTH_TOKEN=FIRST.tokens[0],
        CBR_SECOND_PROJECT_ID=PROJECT_B,
        CBR_SECOND_AUTH_TOKEN=WRONG_TOKEN,
    )
    assert f"credentials of the second project {PROJECT_B} (HTTP 401 APIGW.0301" in line
    assert SECOND_TOKEN in line
    assert PROJECT_A not in line  # the first project's credentials are fine


def test_both_projects_refused_are_named_in_one_line(
    emulator: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each project's token swapped for the other's: both refusals at once, not one per attempt."""
    line = _refusal(
        emulator,
        env,
        capsys,
        CBR_AUTH_TOKEN=OTHER.tokens[0],
        CBR_SECOND_PROJECT_ID=PROJECT_B,
        CBR_SECOND_AUTH_TOKEN=FIRST.tokens[0],
    )
    assert f"credentials of the project {PROJECT_A} (HTTP 403" in line
    assert f"credentials of the second project {PROJECT_B} (HTTP 403" in line
    assert f"{TOKEN} against {FIRST_PROJECT_ID}" in line
    assert f"{SECOND_TOKEN} against {SECOND_PROJECT_ID}" in line


def test_a_refusal_that_echoes_the_token_does_not_print_it(
    fake: FakeTarget, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.answer = Canned.json(401, {"error_code": "APIGW.0301", "error_msg": f"bad token {WRONG_TOKEN}"})
    line = _refusal(fake.url, env, capsys, CBR_AUTH_TOKEN=WRONG_TOKEN)
    assert "(HTTP 401 APIGW.0301: bad token ***)" in line
