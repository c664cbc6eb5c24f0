#!/usr/bin/python3
"""Prunes a root filesystem extracted by mmdebstrap to the shared libraries some binaries load.

    prune_rootfs.py ROOTFS BINARY...

The rootfs's own dynamic loader lists what each binary loads inside it (chroot, ld.so --list), so
the libraries kept are those of the rootfs, not the host's. Kept: those files, every symlink that
resolves to one of them (the sonames), the loader's /lib64 link, and the list of Debian packages
the files came from (usr/share/identity/debian-packages.txt, for scanners; mmdebstrap's extract
hook writes it). Everything else goes: shells, package manager, docs, man pages, locales, gconv,
apt's and dpkg's state. Prints what it kept and removed on stdout. Runs as root (chroot).
"""
import os
import shutil
import subprocess
import sys

LOADER = "/lib64/ld-linux-x86-64.so.2"


def resolve(root, path):
    """The path inside root that `path` (absolute, inside root) finally names."""
    for _ in range(40):
        full = root + path
        if not os.path.islink(full):
            return path
        target = os.readlink(full)
        path = os.path.normpath(
            target if target.startswith("/") else os.path.join(os.path.dirname(path), target))
    raise RuntimeError("symlink loop at " + path)


def loaded_libraries(root, binaries):
    """Absolute paths inside root of the files the binaries load, the loader included."""
    probe = "/identity-probe"
    os.makedirs(root + probe, exist_ok=True)
    paths = {LOADER}
    for binary in binaries:
        inside = os.path.join(probe, os.path.basename(binary))
        shutil.copy(binary, root + inside)
        listing = subprocess.run(["chroot", root, LOADER, "--list", inside], check=True,
                                 capture_output=True, text=True).stdout
        for line in listing.splitlines():
            words = line.split()
            if "=>" in words:
                target = words[words.index("=>") + 1]
                if target == "not":
                    sys.exit("prune_rootfs: %s misses %s in the rootfs" % (binary, words[0]))
                paths.add(target)
            elif words and words[0].startswith("/"):
                paths.add(words[0])
    shutil.rmtree(root + probe)
    return paths


def main():
    root = os.path.abspath(sys.argv[1])
    binaries = sys.argv[2:]
    libraries = loaded_libraries(root, binaries)
    real = {resolve(root, p) for p in libraries}
    packages = os.path.join(root, "debian-packages.txt")
    kept, removed = 0, 0
    for directory, dirs, files in os.walk(root, topdown=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(directory, d))]:
            full = os.path.join(directory, name)
            inside = full[len(root):]
            if full == packages:
                continue
            if inside == "/lib64" or resolve(root, inside) in real:
                kept += 1
                continue
            os.unlink(full)
            removed += 1
        if directory != root and not os.path.islink(directory) and not os.listdir(directory):
            os.rmdir(directory)
    share = os.path.join(root, "usr/share/identity")
    os.makedirs(share, exist_ok=True)
    os.replace(packages, os.path.join(share, "debian-packages.txt"))
    for name, mode in (("tmp", 0o1777), ("etc", 0o755)):
        os.makedirs(os.path.join(root, name), exist_ok=True)
        os.chmod(os.path.join(root, name), mode)
    print("prune_rootfs: kept %d files and links (%d libraries), removed %d" %
          (kept, len(real), removed))


if __name__ == "__main__":
    main()
