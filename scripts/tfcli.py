"""Terraform CLI configuration for the project's scripts and tests.

Terraform installs ``hashicorp/aws`` from a local filesystem mirror when one is present and
from the public registry otherwise; either way one shared plugin cache is used, so no test
copies the provider into its own directory.

The mirror is the directory named ``registry.terraform.io`` (Terraform's mirror layout): taken
from ``DMS_AUTOMATION_TF_MIRROR`` (the directory that *contains* ``registry.terraform.io``) or
found a few levels under ``/``.

    python -m scripts.tfcli            # writes the config and prints its path
    eval "$(python -m scripts.tfcli --export)"
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".tfcli"
MIRROR_ENV = "DMS_AUTOMATION_TF_MIRROR"
_SKIP = {"proc", "sys", "dev", "run", "boot", "lib", "lib64", "bin", "sbin", "tmp"}


@functools.cache
def find_mirror(max_depth: int = 4) -> Path | None:
    """The directory holding ``registry.terraform.io``, or None when there is no mirror."""
    configured = os.environ.get(MIRROR_ENV)
    if configured:
        path = Path(configured)
        if path.name == "registry.terraform.io":
            path = path.parent
        return path if (path / "registry.terraform.io").is_dir() else None
    home = Path.home()
    for implied in (home / ".terraform.d" / "plugins", home / ".local/share/terraform/plugins"):
        if (implied / "registry.terraform.io").is_dir():
            return implied
    for start in (Path("/opt"), Path("/usr/share"), Path("/usr/local"), Path("/srv"), Path("/")):
        found = _search(start, max_depth, skip=_SKIP if start == Path("/") else set())
        if found:
            return found
    return None


def _search(directory: Path, depth: int, skip: set[str]) -> Path | None:
    if depth < 0:
        return None
    try:
        entries = sorted(p for p in directory.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return None
    for entry in entries:
        if entry.name == "registry.terraform.io" and (entry / "hashicorp").is_dir():
            return directory
    for entry in entries:
        if entry.name in skip or entry.name.startswith("."):
            continue
        found = _search(entry, depth - 1, skip=set())
        if found:
            return found
    return None


def render_config(mirror: Path | None, cache_dir: Path) -> str:
    lines = [f'plugin_cache_dir = "{cache_dir.as_posix()}"']
    if mirror is not None:
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f'    path    = "{mirror.as_posix()}"',
            '    include = ["registry.terraform.io/hashicorp/*"]',
            "  }",
            "  direct {",
            '    exclude = ["registry.terraform.io/hashicorp/*"]',
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


def write_config() -> Path:
    """Write the CLI config (idempotent) and return its path."""
    cache = STATE_DIR / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = STATE_DIR / "terraform.rc"
    text = render_config(find_mirror(), cache)
    if not path.exists() or path.read_text() != text:
        # Written aside then renamed: a terraform started meanwhile reads the old file or the new.
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        partial.write_text(text)
        partial.replace(path)
    return path


@contextlib.contextmanager
def init_lock() -> Iterator[None]:
    """Held around ``terraform init``: the plugin cache is not safe for concurrent writers
    (Terraform's CLI configuration docs, "Provider Plugin Cache":
    https://developer.hashicorp.com/terraform/cli/config/config-file#provider-plugin-cache),
    and tests run in parallel processes. An init with a warm cache takes well under a second."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with (STATE_DIR / "init.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def terraform_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment variables that make ``terraform`` use this project's CLI config."""
    env = {
        "TF_CLI_CONFIG_FILE": str(write_config()),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }
    env.update(extra or {})
    return env


if __name__ == "__main__":
    if "--export" in sys.argv[1:]:
        for key, value in terraform_env().items():
            print(f"export {key}={value}")
    else:
        print(write_config())
