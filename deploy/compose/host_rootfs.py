#!/usr/bin/python3
"""Copies installed files of Debian packages into a root filesystem, with the shared libraries
their programs load.

    host_rootfs.py ROOTFS PATH...

Each PATH (a file, a symlink or a directory, copied whole; a path ending in `!` is skipped along
with everything under it, e.g. `/usr/lib/postgresql/15/lib/llvmjit.so!`) is copied to the same
place under ROOTFS, and for every ELF file among them, what `ldd` says it loads (the loader
included), symlinks kept as symlinks. The images of the compose stack's PostgreSQL, haproxy and
Prometheus are made this way from the packages deploy/container/install-tools.sh and
bazel/install-deps.sh installed: nothing is downloaded, and the files are Debian's.
"""
import os
import shutil
import subprocess
import sys


def copy_path(root, path, skipped):
    """Copies path (absolute) under root, following the symlinks it passes through."""
    if path in skipped or os.path.lexists(root + path):
        return []
    parent = os.path.dirname(path)
    if parent != "/":
        os.makedirs(root + parent, exist_ok=True)
    copied = []
    if os.path.islink(path):
        target = os.readlink(path)
        os.symlink(target, root + path)
        copied += copy_path(root, os.path.normpath(os.path.join(parent, target)), skipped)
    elif os.path.isdir(path):
        os.makedirs(root + path, exist_ok=True)
        shutil.copystat(path, root + path)
        for name in sorted(os.listdir(path)):
            copied += copy_path(root, os.path.join(path, name), skipped)
    else:
        shutil.copy2(path, root + path)
        copied.append(path)
    return copied


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def libraries(path):
    listing = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    found = []
    for line in listing.splitlines():
        words = line.split()
        if "=>" in words and words[words.index("=>") + 1].startswith("/"):
            found.append(words[words.index("=>") + 1])
        elif words and words[0].startswith("/"):
            found.append(words[0])
    return found


def main():
    root = os.path.abspath(sys.argv[1])
    skipped = {p[:-1] for p in sys.argv[2:] if p.endswith("!")}
    queue = []
    for path in sys.argv[2:]:
        if not path.endswith("!"):
            queue += copy_path(root, path, skipped)
    seen = set()
    while queue:
        path = queue.pop()
        if path in seen or not is_elf(path):
            continue
        seen.add(path)
        for library in libraries(path):
            queue += copy_path(root, library, skipped)
            queue.append(os.path.realpath(library))


if __name__ == "__main__":
    main()
