"""Fixtures of the dossier tests: a small province with two communes, a procedure and its officers."""

from __future__ import annotations

import dataclasses

import pytest

from cchc import config

from .factories import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world(db)


@pytest.fixture
def files_dir(tmp_path, monkeypatch):
    """Uploaded files go to a temporary directory for the test."""
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, files_dir=tmp_path / "files"))
    return tmp_path / "files"
