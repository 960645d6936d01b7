"""Terraform helpers for the tests: offline plans through tftest, one shared provider install.

Test processes run in parallel (pytest-xdist), so:

* ``terraform init`` of a directory runs under one lock (``scripts.tfcli.init_lock``) and only
  when the directory's configuration changed since its last init (a fingerprint of every ``.tf``
  file of the directory and of ``modules/`` is kept in its ``.terraform``): every worker shares
  the one init of each fixture;
* plans take no state lock (``-lock=false``): they write no state, and two plans of one
  directory would otherwise refuse each other;
* each process attaches its plans to one AWS provider process of its own
  (``scripts.provider.ProviderServer``) instead of starting the provider twice per plan.
"""

from __future__ import annotations

import functools
import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

import tftest

from scripts.provider import ProviderServer
from scripts.tfcli import ROOT, init_lock, terraform_env

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FINGERPRINT = ".terraform/dms-automation-init.sha256"

# Credentials that cannot reach any account: every plan in the suite runs offline.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_PROFILE": "",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return terraform_env({**FAKE_AWS_ENV, **(extra or {})})


class OfflineTest(tftest.TerraformTest):
    """A TerraformTest whose plans take no state lock (they write no state)."""

    def plan(self, *args: Any, **kw: Any) -> Any:
        kw.setdefault("lock", False)
        return super().plan(*args, **kw)


def fingerprint(tfdir: Path) -> str:
    """What ``terraform init`` of ``tfdir`` depends on: its ``.tf`` files and the project's modules."""
    digest = hashlib.sha256()
    files = sorted(tfdir.glob("*.tf")) + sorted(ROOT.joinpath("modules").rglob("*.tf"))
    for path in files:
        if ".terraform" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def init(test: tftest.TerraformTest, tfdir: Path) -> None:
    """``terraform init`` of ``tfdir`` unless it is initialised for its current configuration."""
    with init_lock():
        marker = tfdir / _FINGERPRINT
        wanted = fingerprint(tfdir)
        lock_file = tfdir / ".terraform.lock.hcl"
        if lock_file.exists() and marker.exists() and marker.read_text() == wanted:
            return
        test.setup(upgrade=False, cleanup_on_exit=False)
        marker.parent.mkdir(exist_ok=True)  # a module without providers gets no .terraform
        marker.write_text(wanted)


@functools.cache
def _provider(lock_file: Path) -> str | None:
    """TF_REATTACH_PROVIDERS of this process's provider (started on first use), or None."""
    binary = ProviderServer.find(lock_file)
    if binary is None:
        return None
    workdir = Path(tempfile.mkdtemp(prefix="dms-automation-provider-"))
    return ProviderServer(binary, workdir, cwd=lock_file.parent).spawn().wait_ready()


@functools.cache
def initialised(tfdir: str) -> OfflineTest:
    """An OfflineTest on ``tfdir`` (relative to the repository root), initialised once, attached to
    this process's provider."""
    directory = ROOT / tfdir
    test = OfflineTest(tfdir, basedir=str(ROOT), env=env())
    init(test, directory)
    reattach = _provider(directory / ".terraform.lock.hcl")
    if reattach:
        test.env["TF_REATTACH_PROVIDERS"] = reattach
    return test


def plan(tfdir: str, tf_vars: dict[str, Any] | None = None) -> tftest.TerraformPlanOutput:
    """Plan ``tfdir`` offline and return the parsed plan."""
    return initialised(tfdir).plan(output=True, tf_vars=tf_vars or {})


def plan_error(tfdir: str, tf_vars: dict[str, Any] | None = None) -> str:
    """Plan ``tfdir`` expecting a refusal; returns Terraform's error text (ANSI-free)."""
    try:
        initialised(tfdir).plan(output=True, tf_vars=tf_vars or {})
    except tftest.TerraformTestError as error:
        # tftest raises (message, stderr); join the real text, not the tuple's repr.
        text = " ".join(str(part) for part in error.args if part)
        return " ".join(_ANSI.sub("", text).replace("│", " ").split())
    raise AssertionError(f"terraform plan of {tfdir} with {tf_vars} succeeded; a refusal was expected")


def repo_path(*parts: str) -> Path:
    return ROOT.joinpath(*parts)
