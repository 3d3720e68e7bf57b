"""One sandbox per submission: an empty box, a read-only package copy, a jailed kernel, and a sure kill.

:func:`prepare_library` copies the installed ``gradnotes`` once per grading run
into a read-only folder, with ``gradnotes.check`` replaced by a stub that only
says "graded by the teacher" (so a submission cannot use the checks as an
oracle, nor read or patch them: the grader runs the real checks itself).
:class:`Sandbox` makes a box (``work/`` the empty working folder, ``ipc/`` the
kernel's sockets), launches the kernel through :mod:`._jail`, and
:meth:`Sandbox.kill` ends every process the submission started: the kernel's
process group, and as root every process of the box's own user id (which
catches children that detached into their own session).

Without root there are no namespaces and no user of its own: the kernel runs as
the teacher, can reach the network and read the teacher's files. The report
says so; the rest (limits, scrubbed environment, empty folder, process group,
package copy) holds everywhere.
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import gradnotes

__all__ = ["Limits", "Sandbox", "prepare_library", "CHECK_STUB", "BASE_UID", "box_processes", "kill_processes", "marker",
           "free_uids"]

#: Box user ids are picked from here on (no account needed; files the kernel writes belong to that number).
BASE_UID = 61_000

#: ``gradnotes/check/__init__.py`` inside the sandbox.
CHECK_STUB = '''"""Graded run: the teacher's grader runs the checks itself, outside this kernel."""

import json as _json
import os as _os


class _Graded:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Exercise {self.name}: graded by the teacher's grader, not in this notebook"


def parameters(exercise, student=None):
    """This student's parameters of ``exercise`` (the grader calls the answers with them)."""
    return dict(_json.loads(_os.environ.get("GRADNOTES_PARAMETERS", "{}")).get(exercise, {}))


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return lambda answer=None, *args, **kwargs: _Graded(name)
'''


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox (seconds, megabytes, counts)."""

    timeout: int = 600            # wall clock, whole submission
    cell_timeout: int = 60        # wall clock, one cell or one call of an answer
    memory_mb: int = 3000         # address space of each process
    file_mb: int = 64             # largest file it may write
    tmp_mb: int = 256             # its private /tmp (as root)
    processes: int = 96           # processes and threads of its own user (as root)
    output_kb: int = 512          # notebook output kept per submission
    message_mb: int = 32          # largest single message accepted from the kernel
    grace: float = 3.0            # seconds between SIGINT and SIGKILL


def prepare_library(dest: Path) -> Path:
    """Copy the package (without ``classroom``, with the check stub) to ``dest``, compile it, make it read-only."""
    source = Path(gradnotes.__file__).parent
    target = Path(dest) / "gradnotes"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "classroom"))
    shutil.rmtree(target / "check")
    (target / "check").mkdir()
    (target / "check" / "__init__.py").write_text(CHECK_STUB)
    compileall.compile_dir(target, quiet=1)
    for path in [Path(dest), *Path(dest).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return Path(dest)


def _isolated() -> bool:
    """Namespaces and a user of its own need root on Linux; ``GRADNOTES_SANDBOX_ISOLATE=0`` turns them off."""
    if os.environ.get("GRADNOTES_SANDBOX_ISOLATE") == "0":
        return False
    return hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")


class Sandbox:
    """A box under ``scratch`` for job ``slot``; :meth:`start` launches its kernel, :meth:`kill` ends it all."""

    def __init__(self, scratch: Path, library: Path, slot: int, limits: Limits, label: str, uid: int = BASE_UID,
                 parameters: dict | None = None):
        self.isolate = _isolated()
        self.parameters = dict(parameters or {})  # exercise -> this student's values, for check.parameters
        self.uid = uid
        self.limits = limits
        self.box = Path(scratch) / f"box{slot}-{label}"
        self.work, self.ipc = self.box / "work", self.box / "ipc"
        self.library = Path(library)
        self.process: subprocess.Popen | None = None
        self.token = f"{marker(os.getpid())}{slot}-{label}"
        self.isolation: dict = {}

    # -- start ---------------------------------------------------------------

    def start(self) -> Path:
        """Make the box, launch the jailed kernel; return its connection file (the kernel may still be starting)."""
        from jupyter_client.connect import write_connection_file

        self.kill()
        shutil.rmtree(self.box, ignore_errors=True)
        for d in (self.work, self.ipc):
            d.mkdir(parents=True)
        os.chmod(self.box, 0o711)
        connection, _ = write_connection_file(str(self.ipc / "kernel.json"), transport="ipc", ip=str(self.ipc / "k"))
        if self.isolate:
            for path in (self.work, self.ipc, Path(connection)):
                os.chown(path, self.uid, self.uid)
            os.chmod(self.work, 0o700)
            os.chmod(self.ipc, 0o700)
        config = self.box / "jail.json"
        config.write_text(json.dumps(self._jail_config(connection)))
        config.chmod(stat.S_IRUSR | stat.S_IWUSR)
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(Path(__file__).with_name("_jail.py")), str(config)],
            cwd=self.box, env=self._env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.box / "kernel.log", "wb"), start_new_session=True)
        return Path(connection)

    def _env(self) -> dict:
        home = "/tmp" if self.isolate else str(self.work)
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": home,
               "LANG": "C.UTF-8", "PYTHONPATH": str(self.library), "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONSAFEPATH": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
               "MPLCONFIGDIR": f"{home}/.matplotlib", "IPYTHONDIR": f"{home}/.ipython",
               "JUPYTER_CONFIG_DIR": f"{home}/.jupyter", "JUPYTER_DATA_DIR": f"{home}/.jupyter-data",
               "JUPYTER_PLATFORM_DIRS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "GRADNOTES_GRADED": "1", "GRADNOTES_BOX": self.token,
               "GRADNOTES_PARAMETERS": json.dumps(self.parameters)}
        return env

    def _jail_config(self, connection: str) -> dict:
        limits = self.limits
        argv = [sys.executable, "-s", "-m", "ipykernel_launcher", "-f", connection,
                "--HistoryManager.enabled=False", "--IPKernelApp.log_level=ERROR"]
        read_only = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
                     sys.base_prefix, sys.prefix, str(self.library)]
        processes = limits.processes if self.isolate else _own_processes() + limits.processes
        return dict(isolate=self.isolate, root=str(self.box / "root"), read_only=read_only,
                    writable=[str(self.work), str(self.ipc)], cwd=str(self.work), uid=self.uid,
                    tmp_mb=limits.tmp_mb, memory_mb=limits.memory_mb, file_mb=limits.file_mb,
                    cpu_seconds=limits.timeout + 30, processes=processes,
                    report=str(self.ipc / "isolation.json"), argv=argv, env=self._env())

    def read_isolation(self) -> dict:
        """What the jail achieved (read before any student code runs)."""
        try:
            self.isolation = json.loads((self.ipc / "isolation.json").read_text())
        except (OSError, ValueError):
            self.isolation = {"failed": "the sandbox did not start"}
        return self.isolation

    def log_tail(self, chars: int = 400) -> str:
        """The end of the kernel's own error output (why it did not start)."""
        try:
            return (self.box / "kernel.log").read_bytes()[-chars:].decode(errors="replace").strip() or "no message"
        except OSError:
            return "no message"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- stop ----------------------------------------------------------------

    def interrupt(self) -> None:
        """SIGINT to the kernel's process group (what pressing "interrupt" does)."""
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGINT)
            except OSError:
                pass

    def kill(self) -> None:
        """SIGKILL to the process group and to every process of this box (by user id as root, else by marker)."""
        for _ in range(50):
            victims = self._members()
            if self.process is not None and self.process.poll() is None:
                victims.add(self.process.pid)
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except OSError:
                    pass
            if not victims:
                break
            _sigkill(victims)
        if self.process is not None:
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass

    def _members(self) -> set[int]:
        sid = self.process.pid if self.process is not None else None
        return box_processes(uid=self.uid if self.isolate else None, sid=sid, marker=self.token)

    def remove(self) -> None:
        """Kill everything, then delete the box."""
        self.kill()
        shutil.rmtree(self.box, ignore_errors=True)


def free_uids(count: int) -> list[int]:
    """``count`` user ids with no account and no process, from a start that differs between concurrent runs.

    Every process of a box's uid is killed at the end, so it must belong to nobody else.
    """
    import pwd

    span = 4000
    start = (os.getpid() * 7) % span
    running = {int(s.split("\nUid:", 1)[1].split()[0]) for s in _statuses()}
    found = []
    for k in range(span):
        uid = BASE_UID + (start + k) % span
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        if uid not in running:
            found.append(uid)
            if len(found) == count:
                return found
    raise RuntimeError(f"no {count} free user ids from {BASE_UID} to {BASE_UID + span}")


def _statuses():
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield (entry / "status").read_text()
            except OSError:
                continue


def marker(worker_pid: int) -> str:
    """The environment marker of every box a worker process starts (found again in ``/proc/PID/environ``)."""
    return f"gradnotes-box-{worker_pid}-"


def box_processes(*, uid: int | None = None, sid: int | None = None, marker: str | None = None) -> set[int]:
    """Processes of a box: its own ``uid`` (as root: nothing else runs as it), else its session or its marker."""
    found, me = set(), os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        pid = int(entry.name)
        try:
            status = (entry / "status").read_text()
            if status.split("\nState:", 1)[1].split()[0] in ("Z", "X"):
                continue  # already dead, waiting for its parent to collect it
            if uid is not None:  # the real uid from status: /proc/PID itself may belong to root
                if int(status.split("\nUid:", 1)[1].split()[0]) == uid:
                    found.add(pid)
            elif (sid is not None and os.getsid(pid) == sid) or (
                    marker and marker.encode() in (entry / "environ").read_bytes()):
                found.add(pid)
        except (OSError, IndexError, ValueError):
            continue
    return found


def _sigkill(pids) -> None:
    """SIGKILL each of ``pids`` (already gone is fine), then give the kernel a moment to reap them."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.02)


def kill_processes(**which) -> None:
    """SIGKILL :func:`box_processes` (same arguments) until none is left (forks are capped by RLIMIT_NPROC)."""
    for _ in range(50):
        victims = box_processes(**which)
        if not victims:
            return
        _sigkill(victims)


def _own_processes() -> int:
    """Processes and threads of the current user now (RLIMIT_NPROC counts them all when not root)."""
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(entry / "task"))
            except OSError:
                continue
    return count
