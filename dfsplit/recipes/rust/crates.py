"""The crates the builder holds: the Cargo.toml cargo finds from a directory, the workspace it
belongs to, and the members a build selects — found through the stage model, so every path
is where the COPY lines put it in the builder."""

from __future__ import annotations

import posixpath
from typing import NamedTuple

from dfsplit.dockerfile import paths
from dfsplit.dockerfile.globs import path_match
from dfsplit.model import Project, Refuse
from dfsplit.plan.stage import StageModel
from dfsplit.recipes.rust.manifest import Manifest, read


class Located(NamedTuple):
    """A manifest and the builder directory that holds it."""

    dir: str
    manifest: Manifest


class Crates:
    """Manifest lookups in the builder, each read once."""

    def __init__(self, model: StageModel, project: Project) -> None:
        self.model, self.project = model, project
        self._at: dict[str, Manifest | None] = {}

    def at(self, directory: str) -> Manifest | None:
        """The Cargo.toml the builder has in directory."""
        directory = posixpath.normpath(directory)
        if directory not in self._at:
            rel = self.model.context_path(posixpath.join(directory, "Cargo.toml"))
            self._at[directory] = read(self.project, rel) if rel else None
        return self._at[directory]

    def nearest(self, cwd: str) -> Located | None:
        """The manifest cargo uses when run in cwd: there or in the nearest parent."""
        for directory in paths.parents(cwd):  # ends at "/", however cwd is spelled
            found = self.at(directory)
            if found is not None:
                return Located(directory, found)
        return None

    def workspace_root(self, package: Located) -> Located:
        """The workspace the package belongs to (its own manifest, or a parent [workspace]
        that lists it as a member); the package itself when it stands alone."""
        if package.manifest.workspace is not None:
            return package
        for directory in paths.parents(package.dir)[1:]:
            found = self.at(directory)
            if found is None or found.workspace is None:
                continue
            rel = posixpath.relpath(package.dir, directory)
            if _listed(rel, found.workspace.members) and not _listed(rel, found.workspace.exclude):
                return Located(directory, found)
            return package
        return package

    def members(self, root: Located) -> list[Located]:
        """The root package (when the root has one), then every member, in path order."""
        out = [root] if root.manifest.name else []
        workspace = root.manifest.workspace
        if workspace is None:
            return out
        base = root.manifest.directory
        prefix = "" if base == "." else base + "/"
        for rel in sorted(self.project.context_files):
            if not rel.startswith(prefix) or posixpath.basename(rel) != "Cargo.toml":
                continue
            member = posixpath.dirname(rel[len(prefix) :]) or "."
            if member == "." or not _listed(member, workspace.members):
                continue
            if _listed(member, workspace.exclude):
                continue
            found = self.at(posixpath.join(root.dir, member))
            if found is not None and found.name:
                out.append(Located(posixpath.join(root.dir, member), found))
        return out

    def default_members(self, root: Located) -> list[Located]:
        """What `cargo build` without -p builds in a virtual workspace's root."""
        every = self.members(root)
        wanted = root.manifest.workspace.default_members if root.manifest.workspace else ()
        if not wanted:
            return every
        rels = {posixpath.relpath(m.dir, root.dir): m for m in every}
        return [m for rel, m in rels.items() if _listed(rel, wanted)]

    def package_named(self, root: Located, name: str, where: str) -> Located:
        for member in self.members(root):
            if member.manifest.name == name:
                return member
        names = ", ".join(sorted(m.manifest.name or "" for m in self.members(root)))
        raise Refuse(
            f"{where} names package {name}, which is not in the workspace at {root.dir} "
            f"(it has {names or 'no packages'})"
        )


def _listed(rel: str, patterns: tuple[str, ...]) -> bool:
    rel = posixpath.normpath(rel)
    return any(path_match(posixpath.normpath(p.strip("/")), rel) for p in patterns if p.strip())
