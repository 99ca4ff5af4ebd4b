"""The official SDK, unmodified, drives all 27 operations against a running emulator.

huaweicloudsdkcore writes $HOME/.huaweicloud when imported, so the SDK is imported inside the
fixtures, after conftest's isolated_home has pointed HOME at a temporary folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cbr_emulator.defaults import DEFAULT_CREDENTIALS, PROJECT_A, PROJECT_B
from cbr_emulator.server import EmulatorServer
from tests.emulator.sdk_drive import drive_all_operations, make_client

MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(async_delay=30) as server:
        yield server


@pytest.fixture(scope="module")
def cbr(isolated_home: Path) -> Any:
    import huaweicloudsdkcbr.v1 as module

    return module


@pytest.fixture(scope="module")
def client_a(cbr: Any, emulator: EmulatorServer) -> Any:
    return make_client(cbr, emulator.url, 0)


@pytest.fixture(scope="module")
def client_b(cbr: Any, emulator: EmulatorServer) -> Any:
    return make_client(cbr, emulator.url, 1)


def advance(emulator: EmulatorServer, seconds: float) -> None:
    assert (
        requests.post(
            f"{emulator.url}/_emulator/clock/advance", json={"seconds": seconds}, timeout=10
        ).status_code
        == 200
    )


def test_sdk_drives_all_27_operations(
    cbr: Any, emulator: EmulatorServer, client_a: Any, client_b: Any
) -> None:
    called = drive_all_operations(cbr, client_a, client_b, lambda seconds: advance(emulator, seconds))
    assert len(called) == 27, sorted(called)


def error_cases(cbr: Any) -> list[tuple[str, Callable[[], Any], int, str]]:
    return [
        ("show_vault", lambda: cbr.ShowVaultRequest(vault_id=MISSING), 404, "BackupService.6105"),
        ("show_policy", lambda: cbr.ShowPolicyRequest(policy_id=MISSING), 404, "BackupService.6000"),
        ("show_backup", lambda: cbr.ShowBackupRequest(backup_id=MISSING), 404, "BackupService.6200"),
        (
            "show_checkpoint",
            lambda: cbr.ShowCheckpointRequest(checkpoint_id=MISSING),
            404,
            "BackupService.6217",
        ),
        ("show_op_log", lambda: cbr.ShowOpLogRequest(operation_log_id=MISSING), 404, "BackupService.6500"),
        (
            "show_member_detail",
            lambda: cbr.ShowMemberDetailRequest(backup_id=MISSING, member_id=PROJECT_B),
            404,
            "BackupService.6200",
        ),
        (
            "create_vault",
            lambda: cbr.CreateVaultRequest(
                body=cbr.VaultCreateReq(
                    vault=cbr.VaultCreate(
                        billing=cbr.BillingCreate(
                            consistent_level="crash_consistent",
                            object_type="server",
                            protect_type="backup",
                            size=0,
                        ),
                        name="x",
                        resources=[],
                    )
                )
            ),
            400,
            "BackupService.6101",
        ),
        ("list_backups", lambda: cbr.ListBackupsRequest(sort="size:asc"), 400, "BackupService.9900"),
        (
            "create_checkpoint",
            lambda: cbr.CreateCheckpointRequest(
                body=cbr.VaultBackupReq(checkpoint=cbr.VaultBackup(vault_id=MISSING))
            ),
            404,
            "BackupService.6105",
        ),
    ]


def test_sdk_errors_carry_the_error_codes(cbr: Any, client_a: Any) -> None:
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    for operation, request, status, code in error_cases(cbr):
        with pytest.raises(ClientRequestException) as raised:
            getattr(client_a, operation)(request())
        assert (raised.value.status_code, raised.value.error_code) == (status, code), operation
        assert raised.value.request_id


def test_sdk_with_credentials_of_another_project_is_forbidden(cbr: Any, emulator: EmulatorServer) -> None:
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    client = make_client(cbr, emulator.url, 0, project_id=PROJECT_B)
    with pytest.raises(ClientRequestException) as raised:
        client.list_vault(cbr.ListVaultRequest())
    assert (raised.value.status_code, raised.value.error_code) == (403, "APIGW.0302")


def test_sdk_with_a_wrong_secret_is_unauthenticated(cbr: Any, emulator: EmulatorServer) -> None:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    client = (
        cbr.CbrClient.new_builder()
        .with_credentials(BasicCredentials(DEFAULT_CREDENTIALS[0].access_keys[0].ak, "wrong", PROJECT_A))
        .with_endpoints([emulator.url])
        .build()
    )
    with pytest.raises(ClientRequestException) as raised:
        client.list_vault(cbr.ListVaultRequest())
    assert (raised.value.status_code, raised.value.error_code) == (401, "APIGW.0301")
