"""Which operations an error code can answer, by the subject its number gives it."""

from __future__ import annotations

from cbr_conformance.contract.code_subjects import can_answer
from cbr_conformance.contract.spec import Contract
from cbr_conformance.contract.surface import surfaces


def test_a_code_answers_the_operations_of_its_subject() -> None:
    assert can_answer("BackupService.2005", "restore_backup")  # restoration not allowed in status
    assert not can_answer("BackupService.2005", "list_vaults")
    assert can_answer("BackupService.6105", "show_vault") and not can_answer(
        "BackupService.6105", "list_vaults"
    )
    assert can_answer("BackupService.6705", "show_share_member")
    assert not can_answer("BackupService.6705", "create_policy")
    assert not can_answer("BackupService.4001", "show_vault")  # migration: no operation of this API


def test_codes_of_no_subject_answer_every_operation() -> None:
    for operation in ("list_vaults", "create_policy", "show_operation_log"):
        assert can_answer("BackupService.9900", operation)
        assert can_answer("APIGW.0301", operation)


def test_each_operation_can_meet_far_fewer_codes_than_the_catalogue_holds() -> None:
    found = surfaces(Contract.load())
    assert found["list_vaults"].error_codes == (
        "APIGW.0301",
        "APIGW.0302",
        "BackupService.8600",
        "BackupService.9900",
    )
    assert "BackupService.2005" in found["restore_backup"].error_codes
    assert sum(len(s.error_codes) for s in found.values()) < 1000  # not 152 codes × 27 operations
