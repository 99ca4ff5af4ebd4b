"""Reading the contract's YAML files: parsed once per file version, handed out as private copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from cbr_conformance.paths import read_yaml


def test_each_reader_gets_its_own_copy(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("a:\n  b: [1, 2]\n", encoding="utf-8")
    first = read_yaml(path)
    first["a"]["b"].append(3)
    assert read_yaml(path) == {"a": {"b": [1, 2]}}


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("value: 1\n", encoding="utf-8")
    assert read_yaml(path) == {"value": 1}
    path.write_text("value: 22\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a new version, whatever the clock
    assert read_yaml(path) == {"value": 22}


def test_only_plain_data_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("!!python/object/apply:os.getcwd []\n", encoding="utf-8")
    with pytest.raises(yaml.constructor.ConstructorError, match="python/object"):
        read_yaml(path)
