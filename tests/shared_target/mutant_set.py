"""The project's own mutants of a correct CBR target, each breaking one rule of the service's
behaviour behind answers that stay valid against the contract, and the benign changes a run must
not flag. Written from the defect classes of state a real service can have (a cache in front of
its database, accounting done later, a denormalised copy that drifts), not from the suite's
tests: `bench/mutants.py` measures how many the suite kills.

Each mutant names the operations whose rule it breaks: a kill is *on target* when a distinct
violation of the run names one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from tests.shared_target.list_behaviours import FilterInverted
from tests.shared_target.mutant_behaviours import (
    BACKUP,
    BOTH,
    CHECKPOINT,
    LIST,
    MEMBER,
    POLICY,
    SHOW,
    VAULT,
    Behaviour,
    Charset,
    CountIsPageLength,
    DeletionIgnored,
    Drift,
    ExtraFields,
    FirstSeen,
    Ghosts,
    Gzip,
    HeaderOrder,
    KeptInPolicy,
    Latency,
    LostWrite,
    MemberStatusNotApplied,
    NotFoundAs,
    QueryChanged,
    RemovedResourceStays,
    RestoreNeverEnds,
    SharedHidden,
    later_time,
    other_id,
)
from tests.shared_target.mutant_time_behaviours import (
    FirstResourceOnly,
    ForeignResource,
    KeepsOldest,
    Redefined,
    Restored,
    disabled,
    one_less,
    unlimited,
)


class Kind(StrEnum):
    """The defect classes (issue 29's), and the benign changes."""

    READ_YOUR_WRITES = "read your writes"
    IMMUTABLES = "immutables stay put"
    ACCOUNTING = "accounting"
    CROSS_REFERENCES = "cross-references agree"
    DELETION_VISIBLE = "deletion visible everywhere"
    DELETION_EFFECT = "deletion takes effect"
    NOT_FOUND = "not-found reported right"
    FILTERS_PAGES = "filters and pages"
    ASYNC = "async work ends"
    TIME_DRIVEN = "time-driven behaviour"
    BENIGN = "benign"


@dataclass(frozen=True)
class Mutant:
    name: str
    kind: Kind
    operations: tuple[str, ...]  # whose rule it breaks (benign: none)
    what: str
    make: Callable[[str], Behaviour]  # a fresh behaviour for a run, given the target's URL

    @property
    def benign(self) -> bool:
        return self.kind is Kind.BENIGN


def _m(name: str, kind: Kind, operations: str, what: str, make: Callable[[str], Behaviour]) -> Mutant:
    return Mutant(name, kind, tuple(operations.split()), what, make)


RYW, IMM, ACC, XREF = Kind.READ_YOUR_WRITES, Kind.IMMUTABLES, Kind.ACCOUNTING, Kind.CROSS_REFERENCES
GONE, DEL, NF, PAGE, ASYNC, TIME = (
    Kind.DELETION_VISIBLE,
    Kind.DELETION_EFFECT,
    Kind.NOT_FOUND,
    Kind.FILTERS_PAGES,
    Kind.ASYNC,
    Kind.TIME_DRIVEN,
)
MAX_BACKUPS = "operation_definition.max_backups"
RETENTION_DAYS = "operation_definition.retention_duration_days"

MUTANTS: tuple[Mutant, ...] = (
    # --- read your writes: a cache in front of the database, a write lost later -----------------
    _m("stale-vault-show", RYW, "show_vault update_vault add_vault_resources remove_vault_resources",
       "show_vault answers each vault as first shown (a read-through cache never invalidated)",
       partial(FirstSeen, resource=VAULT, where=SHOW)),
    _m("stale-vault-list", RYW, "list_vaults update_vault add_vault_resources remove_vault_resources",
       "list_vaults lists each vault as first listed",
       partial(FirstSeen, resource=VAULT, where=LIST)),
    _m("stale-policy-show", RYW, "show_policy update_policy associate_vault_policy dissociate_vault_policy",
       "show_policy answers each policy as first shown",
       partial(FirstSeen, resource=POLICY, where=SHOW)),
    _m("stale-policy-list", RYW, "list_policies update_policy associate_vault_policy dissociate_vault_policy",
       "list_policies lists each policy as first listed",
       partial(FirstSeen, resource=POLICY, where=LIST)),
    _m("stale-member-show", RYW, "show_share_member update_share_member_status",
       "show_share_member answers each member as first shown",
       partial(FirstSeen, resource=MEMBER, where=SHOW)),
    _m("stale-member-list", RYW, "list_share_members update_share_member_status",
       "list_share_members lists each member as first listed",
       partial(FirstSeen, resource=MEMBER, where=LIST)),
    _m("vault-update-lost", RYW, "update_vault show_vault list_vaults",
       "update_vault answers the new name and size; the second read after it finds the old ones",
       partial(LostWrite, resource=VAULT, update="update_vault")),
    _m("policy-update-lost", RYW, "update_policy show_policy list_policies",
       "update_policy answers the new name; the second read after it finds the old one",
       partial(LostWrite, resource=POLICY, update="update_policy")),
    _m("member-status-not-applied", RYW, "update_share_member_status show_share_member list_share_members",
       "update_share_member_status answers the status asked for and keeps the old one",
       MemberStatusNotApplied),
    # --- immutables stay put --------------------------------------------------------------------
    _m("vault-created-at-moves", IMM, "show_vault",
       "a vault's created_at is 8 hours later from its second show on",
       partial(Drift, resource=VAULT, where=SHOW, field="created_at", change=later_time, later=True)),
    _m("vault-created-at-in-list", IMM, "list_vaults show_vault",
       "list_vaults gives each created_at 8 hours later than show_vault (a time zone lost)",
       partial(Drift, resource=VAULT, where=LIST, field="created_at", change=later_time)),
    _m("vault-project-id-moves", IMM, "show_vault list_vaults",
       "a vault's project_id reads as another project's from its second read on",
       partial(Drift, resource=VAULT, where=BOTH, field="project_id", change=other_id, later=True)),
    _m("backup-id-in-show", IMM, "show_backup",
       "show_backup answers a body whose id is not the backup's",
       partial(Drift, resource=BACKUP, where=SHOW, field="id", change=other_id)),
    _m("backup-vault-id-moves", IMM, "show_backup list_backups",
       "a backup's vault_id reads as another vault's from its second show on",
       partial(Drift, resource=BACKUP, where=SHOW, field="vault_id", change=other_id, later=True)),
    _m("policy-id-in-list", IMM, "list_policies show_policy create_policy update_policy",
       "list_policies gives each policy an id other than its own",
       partial(Drift, resource=POLICY, where=LIST, field="id", change=other_id)),
    _m("member-created-at-moves", IMM, "show_share_member list_share_members",
       "a share member's created_at is 8 hours later from its second read on",
       partial(Drift, resource=MEMBER, where=BOTH, field="created_at", change=later_time, later=True)),
    _m("restored-backup-lost", IMM, "restore_backup show_backup list_backups",
       "a backup restored from is no longer found, in shows and lists, though nothing deleted it",
       Restored),
    _m("restored-backup-moves", IMM, "restore_backup show_backup list_backups",
       "a backup restored from reads in another vault ever after, in shows and lists",
       partial(Restored, moved=True)),
    _m("checkpoint-created-at-moves", IMM, "show_checkpoint",
       "a restore point's created_at is 8 hours later from its second show on",
       partial(Drift, resource=CHECKPOINT, where=SHOW, field="created_at", change=later_time, later=True)),
    # --- accounting -----------------------------------------------------------------------------
    # The suite asserts nothing of billing.used and billing.allocated (spec/errata.yaml,
    # E-BILLING-ACCOUNTING: no reading says how or when they move), so the first two are expected
    # to survive; they stay in the set as written, before any run.
    _m("vault-used-frozen", ACC, "show_vault list_vaults create_checkpoint delete_backup",
       "a vault's billing.used never moves from its first read",
       partial(FirstSeen, resource=VAULT, where=BOTH, fields=("billing.used",))),
    _m("vault-allocated-frozen", ACC, "show_vault list_vaults add_vault_resources remove_vault_resources",
       "a vault's billing.allocated never moves from its first read",
       partial(FirstSeen, resource=VAULT, where=BOTH, fields=("billing.allocated",))),
    _m("vault-resources-frozen", ACC, "show_vault list_vaults add_vault_resources remove_vault_resources",
       "a vault's resources never change from its first read",
       partial(FirstSeen, resource=VAULT, where=BOTH, fields=("resources",))),
    _m("backups-count-is-page", ACC, "list_backups",
       "list_backups' count is the page's length, not the number of backups that match",
       partial(CountIsPageLength, resource=BACKUP)),
    _m("vaults-count-is-page", ACC, "list_vaults",
       "list_vaults' count is the page's length, not the number of vaults that match",
       partial(CountIsPageLength, resource=VAULT)),
    # --- cross-references agree -----------------------------------------------------------------
    _m("backup-vault-id-in-list", XREF, "list_backups",
       "list_backups gives each backup a vault_id that is not its vault's",
       partial(Drift, resource=BACKUP, where=LIST, field="vault_id", change=other_id)),
    _m("backup-resource-id-in-show", XREF, "show_backup",
       "show_backup names a resource_id that is not the resource backed up",
       partial(Drift, resource=BACKUP, where=SHOW, field="resource_id", change=other_id)),
    _m("checkpoint-vault-id", XREF, "show_checkpoint create_checkpoint",
       "show_checkpoint names a vault that is not the one backed up",
       partial(Drift, resource=CHECKPOINT, where=SHOW, field="vault.id", change=other_id)),
    _m("policy-vaults-empty", XREF, "show_policy list_policies associate_vault_policy",
       "a policy's associated_vaults is always empty, whatever vaults apply it",
       partial(Drift, resource=POLICY, where=BOTH, field="associated_vaults", change=lambda _: [])),
    _m("policy-keeps-dissociated-vault", XREF, "show_policy list_policies dissociate_vault_policy",
       "a vault dissociated from a policy stays in the policy's associated_vaults",
       partial(KeptInPolicy, after="dissociate_vault_policy")),
    _m("member-backup-id", XREF, "show_share_member list_share_members",
       "a share member names a backup_id that is not the backup shared",
       partial(Drift, resource=MEMBER, where=BOTH, field="backup_id", change=other_id)),
    _m("shared-backups-hidden", XREF, "list_backups add_share_members update_share_member_status",
       "list_backups asked for the backups shared with the project lists none",
       SharedHidden),
    # --- deletion visible everywhere ------------------------------------------------------------
    _m("deleted-vault-listed", GONE, "delete_vault list_vaults",
       "a deleted vault is gone from show_vault but still in list_vaults",
       partial(Ghosts, resource=VAULT, delete="delete_vault")),
    _m("deleted-policy-listed", GONE, "delete_policy list_policies",
       "a deleted policy is gone from show_policy but still in list_policies",
       partial(Ghosts, resource=POLICY, delete="delete_policy")),
    _m("deleted-backup-listed", GONE, "delete_backup list_backups",
       "a deleted backup is gone from show_backup but still in list_backups",
       partial(Ghosts, resource=BACKUP, delete="delete_backup")),
    _m("deleted-member-listed", GONE, "delete_share_member list_share_members",
       "a deleted share member is gone from show_share_member but still in list_share_members",
       partial(Ghosts, resource=MEMBER, delete="delete_share_member")),
    _m("deleted-vault-in-policy", GONE, "delete_vault show_policy list_policies",
       "a deleted vault stays in the associated_vaults of the policy it applied",
       partial(KeptInPolicy, after="delete_vault")),
    _m("removed-resource-stays", GONE, "remove_vault_resources show_vault list_vaults",
       "resources removed from a vault stay in its resources",
       RemovedResourceStays),
    # --- deletion takes effect ------------------------------------------------------------------
    _m("vault-deletion-ignored", DEL, "delete_vault",
       "delete_vault answers 204 and keeps the vault",
       partial(DeletionIgnored, operation="delete_vault")),
    _m("backup-deletion-ignored", DEL, "delete_backup",
       "delete_backup answers 204 and keeps the backup",
       partial(DeletionIgnored, operation="delete_backup")),
    _m("policy-deletion-ignored", DEL, "delete_policy",
       "delete_policy answers 204 and keeps the policy",
       partial(DeletionIgnored, operation="delete_policy")),
    _m("member-deletion-ignored", DEL, "delete_share_member",
       "delete_share_member answers 204 and keeps the member",
       partial(DeletionIgnored, operation="delete_share_member")),
    # --- not-found reported right ---------------------------------------------------------------
    _m("vault-not-found-as-backup", NF, "show_vault",
       "show_vault of a vault that is not there answers the backup's not-found code (6200)",
       partial(NotFoundAs, operation="show_vault", status=404, code="BackupService.6200",
               message="The backup does not exist.")),
    _m("policy-not-found-as-400", NF, "show_policy",
       "show_policy of a policy that is not there answers 400 BackupService.9900",
       partial(NotFoundAs, operation="show_policy", status=400, code="BackupService.9900",
               message="Parameter verification failed.")),
    _m("member-not-found-as-backup", NF, "show_share_member",
       "show_share_member of a member that is not there answers the backup's not-found code",
       partial(NotFoundAs, operation="show_share_member", status=404, code="BackupService.6200",
               message="The backup does not exist.")),
    _m("checkpoint-not-found-as-vault", NF, "show_checkpoint",
       "show_checkpoint of a restore point that is not there answers the vault's not-found code",
       partial(NotFoundAs, operation="show_checkpoint", status=404, code="BackupService.6105",
               message="The vault does not exist.")),
    # --- filters and pages ----------------------------------------------------------------------
    _m("backups-vault-filter-ignored", PAGE, "list_backups",
       "list_backups ignores vault_id",
       partial(QueryChanged, operation="list_backups", drop="vault_id")),
    _m("backups-status-filter-ignored", PAGE, "list_backups",
       "list_backups ignores status",
       partial(QueryChanged, operation="list_backups", drop="status")),
    _m("vaults-name-filter-ignored", PAGE, "list_vaults",
       "list_vaults ignores name",
       partial(QueryChanged, operation="list_vaults", drop="name")),
    _m("policies-vault-filter-ignored", PAGE, "list_policies",
       "list_policies ignores vault_id",
       partial(QueryChanged, operation="list_policies", drop="vault_id")),
    _m("vaults-page-repeats", PAGE, "list_vaults",
       "list_vaults' pages after the first start one item early (an item twice in a walk)",
       partial(QueryChanged, operation="list_vaults", shift=-1)),
    _m("backups-page-skips", PAGE, "list_backups",
       "list_backups' pages after the first start one item late (an item never seen in a walk)",
       partial(QueryChanged, operation="list_backups", shift=1)),
    _m("vaults-object-type-inverted", PAGE, "list_vaults",
       "list_vaults' object_type lists the vaults of the other types, not those of the type asked",
       partial(FilterInverted, operation="list_vaults", param="object_type", field="billing.object_type")),
    _m("backups-marker-ignored", PAGE, "list_backups",
       "list_backups ignores marker: every page after the first is the first again",
       partial(QueryChanged, operation="list_backups", drop="marker")),
    # --- async work ends ------------------------------------------------------------------------
    _m("backups-stay-protecting", ASYNC, "show_backup list_backups create_checkpoint",
       "backups read protecting for ever",
       partial(Drift, resource=BACKUP, where=BOTH, field="status",
               change=lambda s: "protecting" if s == "available" else s)),
    _m("checkpoint-stays-protecting", ASYNC, "show_checkpoint create_checkpoint",
       "restore points read protecting for ever",
       partial(Drift, resource=CHECKPOINT, where=SHOW, field="status",
               change=lambda s: "protecting" if s == "available" else s)),
    _m("restore-never-ends", ASYNC, "restore_backup show_backup list_backups",
       "a backup restored from reads restoring for ever",
       RestoreNeverEnds),
    # --- time-driven behaviour: the scheduler and retention -------------------------------------
    _m("policy-never-fires", TIME, "associate_vault_policy update_policy list_backups",
       "the scheduler never runs a policy: it is stored and shown as enabled, and makes no backup",
       partial(Redefined, field="enabled", run=disabled, default=True)),
    _m("policy-fires-for-foreign-resource", TIME, "associate_vault_policy list_backups show_backup",
       "each backup a policy makes is of a resource its vault does not hold",
       ForeignResource),
    _m("policy-fires-for-first-resource", TIME, "associate_vault_policy list_backups show_backup",
       "a policy backs up only the first resource of a vault that holds several",
       FirstResourceOnly),
    _m("max-backups-removes-newest", TIME, "create_policy list_backups show_backup",
       "retention by max_backups N keeps the N oldest of a resource's automatic backups",
       KeepsOldest),
    _m("max-backups-removes-too-many", TIME, "create_policy list_backups",
       "retention by max_backups N keeps N-1 (N shown)",
       partial(Redefined, field=MAX_BACKUPS, run=one_less)),
    _m("max-backups-never-removes", TIME, "create_policy list_backups",
       "retention by max_backups never removes a backup (N shown)",
       partial(Redefined, field=MAX_BACKUPS, run=unlimited)),
    _m("retention-days-removes-early", TIME, "create_policy list_backups show_backup",
       "backups of retention_duration_days D are removed after D-1 days (expiry shown at D)",
       partial(Redefined, field=RETENTION_DAYS, run=one_less)),
    _m("retention-days-never-removes", TIME, "create_policy list_backups show_backup",
       "backups of retention_duration_days D are never removed (expiry shown at D)",
       partial(Redefined, field=RETENTION_DAYS, run=unlimited)),
)  # fmt: skip

BENIGN: tuple[Mutant, ...] = (
    _m("none", Kind.BENIGN, "", "every exchange passed on unchanged (the control)", Behaviour),
    _m("latency", Kind.BENIGN, "", "each answer held 20-80 ms", Latency),
    _m("gzip", Kind.BENIGN, "", "bodies gzip-compressed when the request accepts it", Gzip),
    _m("charset", Kind.BENIGN, "", "Content-Type: application/json;charset=UTF-8", Charset),
    _m("header-order", Kind.BENIGN, "", "headers reversed, their names in lower case", HeaderOrder),
    _m("extra-fields", Kind.BENIGN, "", "an unknown field in each envelope and resource", ExtraFields),
)

ALL: tuple[Mutant, ...] = MUTANTS + BENIGN
