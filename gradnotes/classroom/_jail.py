"""Launcher of one sandboxed kernel: ``python -I -m gradnotes.classroom._jail CONFIG.json``.

It runs as the grader's user, before any student code, and then replaces
itself (``execve``) with the kernel. In order:

1. new session (the kernel leads its own process group, killed as a whole);
2. as root: new network, mount, IPC and UTS namespaces, and a new root holding
   only the system and Python directories (read-only), the package copy
   (read-only), the box's empty working folder, and a private ``/tmp``: no
   teacher files, no other submission, no network;
3. resource limits (memory, CPU seconds, processes, file size, open files, no core files);
4. as root: ``no_new_privs`` and a user and group of its own (one per job slot), so
   it cannot signal the grader, read another sandbox or write anything it does not own;
5. a scrubbed environment; ``execve`` of the kernel.

What it achieved is written to ``CONFIG["report"]`` (read by the grader and shown
in the report). Any failure before the kernel starts exits with status 3.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
from pathlib import Path

__all__ = []

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x04000000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(None, use_errno=True)


def _call(name, *args):
    if getattr(_libc, name)(*args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{name}{args}: {os.strerror(err)}")


def _mount(src, dst, fstype=None, flags=0, data=None):
    enc = lambda s: None if s is None else str(s).encode()  # noqa: E731
    _call("mount", enc(src), enc(dst), enc(fstype), ctypes.c_ulong(flags), enc(data))


def _bind(root: Path, path: str, *, writable=False):
    """Mount ``path`` at the same place under ``root`` (a symlink stays a symlink)."""
    src, dst = Path(path), root / path.lstrip("/")
    if src.is_symlink():
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.is_symlink():
            dst.symlink_to(os.readlink(src))
        return
    if not src.exists():
        return
    if src.is_dir():
        dst.mkdir(parents=True, exist_ok=True)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.touch(exist_ok=True)
    _mount(src, dst, flags=MS_BIND | MS_REC)
    if not writable:
        _mount(None, dst, flags=MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)


def _new_root(cfg: dict) -> None:
    """Namespaces and a minimal root: the kernel sees the system, Python, the package copy and its own box."""
    _call("unshare", CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS)
    _mount(None, "/", flags=MS_REC | MS_PRIVATE)
    root = Path(cfg["root"])
    root.mkdir(parents=True, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m")
    tmp = root / "tmp"  # first: the box itself may live under /tmp, and is bound on top below
    tmp.mkdir()
    _mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={cfg['tmp_mb']}m")
    for path in cfg["read_only"]:
        _bind(root, path)
    for path in cfg["writable"]:
        _bind(root, path, writable=True)
    dev = root / "dev"
    dev.mkdir(exist_ok=True)
    _mount("tmpfs", dev, "tmpfs", MS_NOSUID, "mode=755,size=1m")
    for node in ("null", "zero", "random", "urandom", "full"):
        _bind(root, f"/dev/{node}", writable=True)
    (dev / "shm").mkdir(mode=0o1777)
    os.chmod(dev / "shm", 0o1777)
    (root / "proc").mkdir(exist_ok=True)
    try:
        _mount("proc", root / "proc", "proc", MS_NOSUID | MS_NODEV)
    except OSError:
        _bind(root, "/proc")
    os.chroot(root)
    os.chdir(cfg["cwd"])


def _limits(cfg: dict, report: dict) -> None:
    mb = 1024 * 1024
    wanted = {"RLIMIT_AS": cfg["memory_mb"] * mb, "RLIMIT_CPU": cfg["cpu_seconds"],
              "RLIMIT_FSIZE": cfg["file_mb"] * mb, "RLIMIT_NOFILE": 256, "RLIMIT_CORE": 0}
    if cfg.get("processes"):
        wanted["RLIMIT_NPROC"] = cfg["processes"]
    for name, value in wanted.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    report["limits"] = {name[7:].lower(): value for name, value in wanted.items()}


def main(config_path: str) -> None:
    cfg = json.loads(Path(config_path).read_text())
    out = os.open(cfg["report"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)  # before the root changes
    report = {"network": "not blocked", "filesystem": "shared", "user": "the grader's", "limits": {}}
    try:
        if os.getsid(0) != os.getpid():
            os.setsid()
        if cfg["isolate"]:
            _new_root(cfg)
            report.update(network="blocked (new network namespace)",
                          filesystem="private (system, Python and the package read-only; only its own folder)")
        else:
            os.chdir(cfg["cwd"])
        _limits(cfg, report)
        if cfg["isolate"]:
            _call("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            os.setgroups([])
            os.setresgid(cfg["uid"], cfg["uid"], cfg["uid"])
            os.setresuid(cfg["uid"], cfg["uid"], cfg["uid"])
            report["user"] = f"uid {cfg['uid']} (its own)"
    except Exception as error:  # nothing of the student's has run yet: say why and stop
        os.write(out, json.dumps({**report, "failed": f"{type(error).__name__}: {error}"}).encode())
        sys.exit(3)
    os.write(out, json.dumps(report).encode())
    os.close(out)
    os.execve(cfg["argv"][0], cfg["argv"], cfg["env"])


if __name__ == "__main__":
    main(sys.argv[1])
