"""Terraform helpers for the tests: offline plans through tftest, one shared provider install.

Test processes run in parallel (pytest-xdist), so:

* ``terraform init`` of a directory runs under one lock (``scripts.tfcli.init_lock``) and only
  when the directory's configuration changed since its last init (a fingerprint of every ``.tf``
  file of the directory and of ``modules/`` is kept in its ``.terraform``): every worker shares
  the one init of each fixture;
* plans take no state lock (``-lock=false``): they write no state, and two plans of one
  directory would otherwise refuse each other;
* each process attaches its plans to one AWS provider process of its own
  (``scripts.provider.ProviderServer``) instead of starting the provider twice per plan;
* ``plan_cases`` plans many input sets of one fixture in a single plan (one module call per
  set): most of a plan's cost is Terraform loading the AWS provider's schema, paid once there;
  the plan is kept on disk under a digest of what it reads, so the processes that ask for the
  same cases share one plan.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tftest

from scripts.provider import ProviderServer
from scripts.tfcli import ROOT, STATE_DIR, init_lock, terraform_env

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


def fingerprint(tfdir: Path, *called: Path) -> str:
    """What ``terraform init`` of ``tfdir`` depends on: its ``.tf`` files, those of the
    directories it calls as modules, and the project's modules."""
    digest = hashlib.sha256()
    files = [f for d in (tfdir, *called) for f in sorted(d.glob("*.tf"))]
    files += sorted(ROOT.joinpath("modules").rglob("*.tf"))
    for path in files:
        if ".terraform" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def init(test: tftest.TerraformTest, tfdir: Path, *called: Path) -> None:
    """``terraform init`` of ``tfdir`` unless it is initialised for its current configuration."""
    with init_lock():
        marker = tfdir / _FINGERPRINT
        wanted = fingerprint(tfdir, *called)
        lock_file = tfdir / ".terraform.lock.hcl"
        if lock_file.exists() and marker.exists() and marker.read_text() == wanted:
            return
        test.setup(upgrade=False, cleanup_on_exit=False)
        marker.parent.mkdir(exist_ok=True)  # a module without providers gets no .terraform
        marker.write_text(wanted)


@functools.cache
def _provider(binary: Path) -> str:
    """TF_REATTACH_PROVIDERS of this process's provider of that binary (started on first use)."""
    workdir = Path(tempfile.mkdtemp(prefix="dms-automation-provider-"))
    return ProviderServer(binary, workdir, cwd=ROOT).spawn().wait_ready()


@functools.cache
def initialised(tfdir: str, *called: str) -> OfflineTest:
    """An OfflineTest on ``tfdir`` (relative to the repository root), initialised once, attached to
    this process's provider. ``called``: fixture directories ``tfdir`` calls as modules."""
    directory = ROOT / tfdir
    test = OfflineTest(tfdir, basedir=str(ROOT), env=env())
    init(test, directory, *(ROOT / c for c in called))
    binary = ProviderServer.find(directory / ".terraform.lock.hcl")
    if binary is not None:
        test.env["TF_REATTACH_PROVIDERS"] = _provider(binary)
    return test


_OUTPUT = re.compile(r'^output\s+"([A-Za-z0-9_-]+)"', re.MULTILINE)


def hcl_value(value: Any) -> str:
    """A Python value as an HCL expression (JSON syntax, with template sequences escaped)."""
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def hcl_assignments(tf_vars: Mapping[str, Any]) -> str:
    """Module arguments for ``tf_vars`` whose values are Python values."""
    return "\n".join(f"  {name} = {hcl_value(value)}" for name, value in tf_vars.items())


def plan_cases(tfdir: str, cases: Mapping[str, str]) -> dict[str, tftest.TerraformPlanOutput]:
    """Plan every case of the fixture ``tfdir`` in one ``terraform plan``.

    ``cases`` maps a name to the case's inputs as HCL assignments (a ``.tfvars`` file's text, or
    ``hcl_assignments``). A generated configuration calls the fixture once per case, as
    ``module "case_N"``, and re-exports its outputs; each returned plan is that case's part of
    the whole, addressed as if the fixture had been planned alone with those inputs.
    """
    return plan_calls({name: (tfdir, body) for name, body in cases.items()})


def plan_calls(calls: Mapping[str, tuple[str, str]], **plan_kw: Any) -> dict[str, tftest.TerraformPlanOutput]:
    """``plan_cases`` over several directories: ``calls`` maps a name to (directory, inputs).
    ``plan_kw``: more arguments of the plan (``state``, ``refresh``); a case's calls are
    ``module.case_N`` in that state, in the order of ``calls``."""
    keys = {name: f"case_{index}" for index, name in enumerate(calls)}
    directories = sorted({tfdir for tfdir, _ in calls.values()})
    blocks: list[str] = []
    for name, (tfdir, body) in calls.items():
        key = keys[name]
        fixture = ROOT / tfdir
        outputs = sorted({m for path in fixture.glob("*.tf") for m in _OUTPUT.findall(path.read_text())})
        blocks.append(f'# {name}\nmodule "{key}" {{\n  source = "<{tfdir}>"\n{body}\n}}\n')
        blocks += [f'output "{key}__{o}" {{\n  value = module.{key}.{o}\n}}\n' for o in outputs]
    text = "\n".join(blocks)
    directory = STATE_DIR / "plan-cases" / hashlib.sha256(text.encode()).hexdigest()[:20]
    directory.mkdir(parents=True, exist_ok=True)
    for tfdir in directories:
        text = text.replace(f'"<{tfdir}>"', json.dumps(os.path.relpath(ROOT / tfdir, directory)))
    main = directory / "main.tf"
    if not main.exists():
        partial = directory / f"main.tf.{os.getpid()}"
        partial.write_text(text)
        partial.replace(main)
    if plan_kw:  # a plan against a given state: its own, never kept for others
        whole = initialised(str(directory.relative_to(ROOT)), *directories).plan(output=True, **plan_kw)
    else:
        whole = _plan_once(directory, directories)
    return {name: _part(whole._raw, key) for name, key in keys.items()}


def _plan_once(directory: Path, called: list[str]) -> tftest.TerraformPlanOutput:
    """The plan of the generated ``directory``: made by the first process that asks for it, read
    by the others. Test files go to several processes (pytest-xdist, by file), and two files that
    read the same cases (the inventories and the property checks of a module) should not pay for
    the same plan twice. The plan is kept beside its configuration under a digest of all it can
    read (every ``.tf`` file of the repository, the root module's included, every other file of
    ``modules/`` such as the Lambda package, and the provider lock), so a change is planned afresh."""
    test = initialised(str(directory.relative_to(ROOT)), *called)
    digest = plan_inputs_digest(directory)
    saved = directory / "plan.json"
    with (directory / "plan.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits for the first one's plan
        if saved.exists():
            kept = json.loads(saved.read_text())
            if kept["digest"] == digest:
                return tftest.TerraformPlanOutput(kept["plan"])
        whole = test.plan(output=True)
        partial = directory / f"plan.json.{os.getpid()}"
        partial.write_text(json.dumps({"digest": digest, "plan": whole._raw}))
        partial.replace(saved)
        return whole


def plan_inputs_digest(directory: Path, root: Path = ROOT) -> str:
    """A digest of what a plan of the initialised ``directory`` can read: its ``main.tf`` and
    provider lock, every ``.tf`` file under ``root`` and every file of ``root/modules``
    (directories whose name starts with a dot, ``.terraform`` among them, left out)."""
    digest = hashlib.sha256()
    for path in (directory / "main.tf", directory / ".terraform.lock.hcl"):
        # No lock file where the configuration needs no provider (a data-only module).
        digest.update((path.read_bytes() if path.exists() else b"") + b"\0")
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        in_modules = Path(top).is_relative_to(root / "modules")
        for name in sorted(f for f in files if in_modules or f.endswith(".tf")):
            path = Path(top, name)
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _part(raw: dict[str, Any], key: str) -> tftest.TerraformPlanOutput:
    """The plan of module ``key`` of ``raw`` as a plan of its own (addresses without the prefix)."""
    call = f"module.{key}"
    prefix = call + "."

    def strip(address: str) -> str:
        return address.removeprefix(prefix)

    def module(planned: dict[str, Any]) -> dict[str, Any]:
        found = {**planned, "address": strip(planned["address"])}
        found["resources"] = [{**r, "address": strip(r["address"])} for r in planned.get("resources", [])]
        found["child_modules"] = [module(child) for child in planned.get("child_modules", [])]
        return found

    root = raw.get("planned_values", {}).get("root_module", {})
    mine = next((c for c in root.get("child_modules", []) if c["address"] == call), {"address": call})
    planned_root = module(mine)
    del planned_root["address"]
    changes = []
    for change in raw.get("resource_changes", []):
        if not change["address"].startswith(prefix):
            continue
        change = {**change, "address": strip(change["address"])}
        if "previous_address" in change:
            change["previous_address"] = strip(change["previous_address"])
        inner = strip(change.pop("module_address", call))
        if inner != call:
            change["module_address"] = inner
        changes.append(change)
    out = f"{key}__"
    planned_outputs = raw.get("planned_values", {}).get("outputs", {})
    return tftest.TerraformPlanOutput(
        {
            **{k: v for k, v in raw.items() if k not in ("planned_values", "resource_changes")},
            "planned_values": {
                "outputs": {k.removeprefix(out): v for k, v in planned_outputs.items() if k.startswith(out)},
                "root_module": planned_root,
            },
            "resource_changes": changes,
            "output_changes": {
                k.removeprefix(out): v for k, v in raw.get("output_changes", {}).items() if k.startswith(out)
            },
            "configuration": {
                **raw.get("configuration", {}),
                "root_module": raw.get("configuration", {})
                .get("root_module", {})
                .get("module_calls", {})
                .get(key, {})
                .get("module", {}),
            },
        }
    )


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
