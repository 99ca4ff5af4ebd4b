"""The official SDK, unmodified, calling all 27 operations of a CBR endpoint: the emulator's
own test, and the validating proxy's (through the proxy to the emulator).

huaweicloudsdkcore writes $HOME/.huaweicloud when imported: callers import the SDK (`cbr`) after
pointing HOME at a temporary folder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cbr_emulator.defaults import DEFAULT_CREDENTIALS, PROJECT_A, PROJECT_B
from tests.emulator.helpers import SERVER, inventory_items


def make_client(cbr: Any, url: str, credentials_index: int, project_id: str | None = None) -> Any:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig

    credentials = DEFAULT_CREDENTIALS[credentials_index]
    key = credentials.access_keys[0]
    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    return (
        cbr.CbrClient.new_builder()
        .with_credentials(BasicCredentials(key.ak, key.sk, project_id or credentials.project_id))
        .with_endpoints([url])
        .with_http_config(config)
        .build()
    )


class Recorder:
    """Calls SDK methods and remembers which operations ran, to count them at the end."""

    def __init__(self) -> None:
        self.operations: set[str] = set()

    def __call__(self, client: Any, operation: str, request: Any) -> Any:
        response = getattr(client, operation)(request)
        self.operations.add(operation)
        return response


def drive_all_operations(
    cbr: Any, client_a: Any, client_b: Any, advance: Callable[[float], None]
) -> set[str]:
    """Call every operation once, as project A (and B for sharing), checking the answers make
    sense; `advance` moves the target's clock past a backup or a restore. The operations called."""
    call = Recorder()
    servers = inventory_items(PROJECT_A, "servers")
    first, second = servers[0], servers[1]

    # policies
    # SDK-only fields (beyond the 2022 reference) are set where the SDK offers them, and answered.
    definition = cbr.PolicyoODCreate(
        max_backups=5, day_backups=1, timezone="UTC+08:00", full_backup_interval=-1, enable_acceleration=False
    )
    trigger = cbr.PolicyTriggerReq(
        properties=cbr.PolicyTriggerPropertiesReq(
            pattern=["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00"], start_window_minutes=60
        )
    )
    created = call(
        client_a,
        "create_policy",
        cbr.CreatePolicyRequest(
            body=cbr.PolicyCreateReq(
                policy=cbr.PolicyCreate(
                    name="sdk-policy",
                    operation_definition=definition,
                    operation_type="backup",
                    trigger=trigger,
                )
            )
        ),
    )
    policy_id = created.policy.id
    assert created.status_code == 200 and created.policy.trigger.name == "default"
    assert created.policy.operation_definition.full_backup_interval == -1
    assert created.policy.trigger.properties.start_window_minutes == 60
    assert call(client_a, "list_policies", cbr.ListPoliciesRequest()).count == 1
    assert (
        call(client_a, "show_policy", cbr.ShowPolicyRequest(policy_id=policy_id)).policy.name == "sdk-policy"
    )
    updated = call(
        client_a,
        "update_policy",
        cbr.UpdatePolicyRequest(
            policy_id=policy_id,
            body=cbr.PolicyUpdateReq(policy=cbr.PolicyUpdate(name="sdk-policy-2", enabled=False)),
        ),
    )
    assert updated.policy.name == "sdk-policy-2" and updated.policy.enabled is False

    # vaults
    billing = cbr.BillingCreate(
        consistent_level="crash_consistent", object_type="server", protect_type="backup", size=100
    )
    vault = call(
        client_a,
        "create_vault",
        cbr.CreateVaultRequest(
            body=cbr.VaultCreateReq(
                vault=cbr.VaultCreate(
                    billing=cbr.BillingCreate(
                        consistent_level="crash_consistent",
                        object_type="server",
                        protect_type="backup",
                        size=100,
                        is_multi_az=False,
                    ),
                    name="sdk-vault",
                    resources=[cbr.ResourceCreate(id=first["id"], type=SERVER)],
                    smn_notify=False,
                    threshold=70,
                    locked=False,
                    backup_name_prefix="sdk",
                    sys_lock_source_service="",
                )
            )
        ),
    ).vault
    assert vault.billing.spec_code == "vault.backup.server.normal" and vault.resources[0].id == first["id"]
    assert (vault.smn_notify, vault.threshold, vault.locked) == (False, 70, False)
    assert vault.billing.is_multi_az is False
    assert vault.backup_name_prefix == "sdk" and vault.resources[0].auto_protect is True
    assert call(client_a, "show_vault", cbr.ShowVaultRequest(vault_id=vault.id)).vault.name == "sdk-vault"
    listed = call(client_a, "list_vault", cbr.ListVaultRequest(limit=10, offset=0))
    assert listed.count == 1 and listed.vaults[0].id == vault.id
    renamed = call(
        client_a,
        "update_vault",
        cbr.UpdateVaultRequest(
            vault_id=vault.id,
            body=cbr.VaultUpdateReq(
                vault=cbr.VaultUpdate(
                    name="sdk-vault-2", billing=cbr.BillingUpdate(size=200), smn_notify=True, threshold=90
                )
            ),
        ),
    )
    assert renamed.vault.billing.size == 200
    assert (renamed.vault.smn_notify, renamed.vault.threshold) == (True, 90)
    added = call(
        client_a,
        "add_vault_resource",
        cbr.AddVaultResourceRequest(
            vault_id=vault.id,
            body=cbr.VaultAddResourceReq(resources=[cbr.ResourceCreate(id=second["id"], type=SERVER)]),
        ),
    )
    assert added.add_resource_ids == [second["id"]]
    removed = call(
        client_a,
        "remove_vault_resource",
        cbr.RemoveVaultResourceRequest(
            vault_id=vault.id, body=cbr.VaultRemoveResourceReq(resource_ids=[second["id"]])
        ),
    )
    assert removed.remove_resource_ids == [second["id"]]
    associated = call(
        client_a,
        "associate_vault_policy",
        cbr.AssociateVaultPolicyRequest(vault_id=vault.id, body=cbr.VaultAssociate(policy_id=policy_id)),
    )
    assert associated.associate_policy.policy_id == policy_id
    dissociated = call(
        client_a,
        "disassociate_vault_policy",
        cbr.DisassociateVaultPolicyRequest(vault_id=vault.id, body=cbr.VaultDissociate(policy_id=policy_id)),
    )
    assert dissociated.dissociate_policy.vault_id == vault.id

    # restore points and backups
    checkpoint = call(
        client_a,
        "create_checkpoint",
        cbr.CreateCheckpointRequest(
            body=cbr.VaultBackupReq(
                checkpoint=cbr.VaultBackup(
                    vault_id=vault.id,
                    parameters=cbr.CheckpointParam(
                        name="sdk-backup", description="d", retention_duration_days=-1
                    ),
                )
            )
        ),
    )
    assert checkpoint.checkpoint.status == "protecting"
    advance(31)
    shown = call(
        client_a, "show_checkpoint", cbr.ShowCheckpointRequest(checkpoint_id=checkpoint.checkpoint.id)
    )
    assert shown.checkpoint.status == "available"
    backups = call(client_a, "list_backups", cbr.ListBackupsRequest(vault_id=vault.id, status="available"))
    assert backups.count == 1
    backup_id = backups.backups[0].id
    detail = call(client_a, "show_backup", cbr.ShowBackupRequest(backup_id=backup_id)).backup
    assert detail.name == "sdk-backup" and len(detail.children) == 2
    assert detail.incremental is False and detail.provider_id == vault.provider_id

    # sharing
    added_members = call(
        client_a,
        "add_member",
        cbr.AddMemberRequest(backup_id=backup_id, body=cbr.AddMembersReq(members=[PROJECT_B])),
    )
    assert added_members.members[0].status == "pending"
    members = call(client_a, "show_members_detail", cbr.ShowMembersDetailRequest(backup_id=backup_id))
    assert members.count == 1 and members.members[0].dest_project_id == PROJECT_B
    vault_b = client_b.create_vault(
        cbr.CreateVaultRequest(
            body=cbr.VaultCreateReq(vault=cbr.VaultCreate(billing=billing, name="sdk-vault-b", resources=[]))
        )
    ).vault
    accepted = call(
        client_b,
        "update_member_status",
        cbr.UpdateMemberStatusRequest(
            backup_id=backup_id,
            member_id=PROJECT_B,
            body=cbr.UpdateMember(status="accepted", vault_id=vault_b.id),
        ),
    )
    assert accepted.member.status == "accepted"
    member = call(
        client_a, "show_member_detail", cbr.ShowMemberDetailRequest(backup_id=backup_id, member_id=PROJECT_B)
    )
    assert member.member.vault_id == vault_b.id
    assert client_b.list_backups(cbr.ListBackupsRequest(own_type="shared")).count == 1
    call(client_a, "delete_member", cbr.DeleteMemberRequest(backup_id=backup_id, member_id=PROJECT_B))

    # restore
    mappings = [
        cbr.BackupRestoreServerMapping(backup_id=c.id, volume_id=c.resource_id) for c in detail.children
    ]
    restored = call(
        client_a,
        "restore_backup",
        cbr.RestoreBackupRequest(
            backup_id=backup_id,
            body=cbr.BackupRestoreReq(
                restore=cbr.BackupRestore(server_id=first["id"], mappings=mappings, power_on=True)
            ),
        ),
    )
    assert restored.status_code == 202
    advance(31)

    # tasks
    logs = call(client_a, "list_op_logs", cbr.ListOpLogsRequest(operation_type="restore"))
    assert logs.count == 1 and logs.operation_logs[0].status == "success"
    log = call(client_a, "show_op_log", cbr.ShowOpLogRequest(operation_log_id=logs.operation_logs[0].id))
    assert log.operation_log.extra_info.restore.backup_id == backup_id

    # deletions
    assert call(client_a, "delete_backup", cbr.DeleteBackupRequest(backup_id=backup_id)).status_code == 204
    assert call(client_a, "delete_vault", cbr.DeleteVaultRequest(vault_id=vault.id)).status_code == 204
    assert call(client_a, "delete_policy", cbr.DeletePolicyRequest(policy_id=policy_id)).status_code == 204
    client_b.delete_vault(cbr.DeleteVaultRequest(vault_id=vault_b.id))

    return call.operations
