"""One grading job in its own process: ``python -m gradnotes.classroom._worker JOB.json``.

The orchestrator (:mod:`.grade`) starts one worker per submission, so a
submission that breaks anything breaks only this process: the orchestrator
then writes an error row and goes on. The worker ignores the signals a
submission could send its parent (it is stopped by the orchestrator with
SIGKILL), writes its result atomically, and keeps the executed notebook.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import nbformat

__all__ = []

_IGNORED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTSTP",
            "SIGTTIN", "SIGTTOU")


def _write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_text(text)
    os.replace(partial, path)


def main(job_path: str) -> None:
    for name in _IGNORED:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    # nbformat imports jsonschema, which compiles an IRI grammar (rfc3987_syntax) for 2 s at import; notebooks
    # never use that format, and one worker starts per submission
    sys.modules.setdefault("rfc3987_syntax", None)
    from ._judge import judge
    from ._roster import Submission
    from ._sandbox import Limits

    job = json.loads(Path(job_path).read_text())
    sub = Submission(Path(job["path"]), job["file"], job["student"], job["chapter"], job["sha256"])
    master = nbformat.read(job["master"], as_version=4)
    result = judge(sub, master, scratch=Path(job["scratch"]), library=Path(job["library"]), slot=job["slot"],
                   limits=Limits(**job["limits"]), uid=job["uid"], experiments=job["experiments"])
    executed = result.pop("executed")
    if executed is not None:
        _write(Path(job["executed"]), executed)
    result["settings"] = job["settings"]
    _write(Path(job["result"]), json.dumps(result, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
