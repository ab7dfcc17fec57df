"""Which migration files changed, as git sees them: what `cmmsdb lint` checks by default in
a git checkout (`--all` checks every file).

A file changed when it differs from the last commit (staged, unstaged or untracked) or, on
a branch with an upstream, when a commit since the branch left its upstream touched it. A
migration and its rollback file go together: when one changed, both are linted (each is
read in the light of the other).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from cmmsdb.migrations import ROLLBACK_SUFFIX


def changed_files(folder: Path) -> set[Path] | None:
    """The changed files below `folder` (resolved paths), or None when `folder` is not in a
    git work tree, holds no tracked file (an ignored folder, a package installed inside a
    repository) or git is not installed: then every file counts as changed."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None or not _git(folder, "ls-files", "-z", "--", "."):
        return None  # not a checkout, or a folder git does not track (ignored, installed)
    root = Path(top.strip())
    names: set[str] = set()
    status = _git(folder, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".")
    entries = (status or "").split("\0")
    skip = False
    for entry in entries:
        if skip:  # the source path of a rename or copy
            skip = False
            continue
        if len(entry) > 3:
            names.add(entry[3:])
            skip = entry[0] in "RC"
    if _git(folder, "rev-parse", "--verify", "--quiet", "@{upstream}") is not None:
        committed = _git(folder, "diff", "--name-only", "-z", "@{upstream}...HEAD", "--", ".")
        names |= {name for name in (committed or "").split("\0") if name}
    changed = {(root / name).resolve() for name in names}
    return changed | {_partner(path) for path in changed}


def _partner(path: Path) -> Path:
    """A migration's rollback file, or a rollback file's migration."""
    if path.name.endswith(ROLLBACK_SUFFIX):
        return path.with_name(path.name.removesuffix(ROLLBACK_SUFFIX) + ".sql")
    return path.with_name(path.name.removesuffix(".sql") + ROLLBACK_SUFFIX)


def _git(folder: Path, *arguments: str) -> str | None:
    """git's output in `folder`, None when it fails or is missing."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *arguments],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None
