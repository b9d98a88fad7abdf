"""Making archives to refuse: a copy of a real one with members changed, removed or added,
with the manifest's hashes left alone (tampering) or recomputed (a well-formed archive whose
content is wrong)."""

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write(path: Path, content: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    return path


def rehash(content: dict[str, bytes]) -> dict[str, bytes]:
    """The manifest's hashes and sizes made to fit the members again."""
    manifest = json.loads(content["manifest.json"])
    manifest["members"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in content.items()
        if name != "manifest.json"
    }
    return {**content, "manifest.json": json.dumps(manifest).encode()}


def changed(
    source: Path,
    target: Path,
    change: Callable[[dict[str, bytes]], dict[str, bytes]],
    fit_manifest: bool = False,
) -> Path:
    content = change(dict(members(source)))
    return write(target, rehash(content) if fit_manifest else content)


def edit_json(content: dict[str, bytes], name: str, edit: Callable) -> dict[str, bytes]:
    document = json.loads(content[name])
    edit(document)
    return {**content, name: json.dumps(document).encode()}
