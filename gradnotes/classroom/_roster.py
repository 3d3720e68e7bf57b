"""Who handed in what: student and chapter from file and folder names, and what does not fit.

A student is named by the folder a notebook sits in, if any (``alice/03_vanishing_gradients.ipynb``),
or else by what the file name holds besides the chapter (``alice_03_vanishing_gradients.ipynb``).
The chapter is the notebook's name in the book (``03_vanishing_gradients``) found in the file name.

Examples
--------
>>> identify(Path("alice_03_vanishing_gradients.ipynb"), ["03_vanishing_gradients"])
('alice', '03_vanishing_gradients')
>>> identify(Path("bob/03_vanishing_gradients (1).ipynb"), ["03_vanishing_gradients"])
('bob', '03_vanishing_gradients')
>>> identify(Path("notes.ipynb"), ["03_vanishing_gradients"])
('notes', None)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Submission", "Roster", "identify", "scan"]

_SKIP = (".ipynb_checkpoints", "__MACOSX")


@dataclass(frozen=True)
class Submission:
    """One notebook to grade. ``file`` (relative to the submissions folder) is its unique key."""

    path: Path
    file: str
    student: str
    chapter: str
    sha256: str

    @property
    def key(self) -> str:
        """A file-system-safe name, unique per file (two ``alice.ipynb`` in two folders never collide)."""
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.file.removesuffix(".ipynb"))[:80]
        return f"{stem}-{hashlib.sha256(self.file.encode()).hexdigest()[:8]}"


@dataclass
class Roster:
    """The submissions to grade, and the files and students that need the teacher's eye."""

    submissions: list[Submission] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)

    def flag(self, kind: str, file: str = "", student: str = "", detail: str = "") -> None:
        self.problems.append(dict(kind=kind, file=file, student=student, detail=detail))


def identify(relative: Path, chapters) -> tuple[str, str | None]:
    """(student, chapter or None) from a path relative to the submissions folder."""
    stem = relative.stem
    chapter = next((c for c in sorted(chapters, key=len, reverse=True) if c in stem), None)
    if len(relative.parts) > 1:
        return relative.parts[-2], chapter
    rest = stem.replace(chapter, " ") if chapter else stem
    student = re.sub(r"[\s_.-]+", "_", re.sub(r"\(\d+\)", "", rest)).strip("_")
    return student or "unknown", chapter


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scan(directory: Path, chapters, *, students: list[str] | None = None,
         expected: list[str] | None = None) -> Roster:
    """Every file under ``directory``: notebooks to grade, and problems (the roster section of the report).

    ``students`` (a class list) adds "missing" entries for chapters a student did not hand in, and
    "not on the class list" for names it does not know. ``expected`` are the chapters set (default: every
    chapter anyone handed in).
    """
    directory = Path(directory)
    roster, seen = Roster(), {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file() or p.is_symlink()):
        relative = path.relative_to(directory)
        if any(part in _SKIP or part.startswith(".") for part in relative.parts):
            continue
        file = relative.as_posix()
        if path.suffix != ".ipynb" or path.is_symlink():
            roster.flag("non-notebook", file, detail="not graded: only .ipynb files are")
            continue
        student, chapter = identify(relative, chapters)
        if chapter is None:
            roster.flag("unknown", file, student, "not graded: the file name names no chapter of the book")
            continue
        if students is not None and student not in students:
            roster.flag("unknown", file, student, "graded, but this student is not on the class list")
        sub = Submission(path.resolve(), file, student, chapter, _sha256(path))
        if (student, chapter) in seen:
            roster.flag("duplicate", file, student, f"a second notebook for {chapter} (also {seen[student, chapter]});"
                                                    " both are graded")
        seen.setdefault((student, chapter), file)
        roster.submissions.append(sub)
    if students is not None:
        wanted = expected if expected is not None else sorted({s.chapter for s in roster.submissions})
        for student in students:
            for chapter in wanted:
                if (student, chapter) not in seen:
                    roster.flag("missing", "", student, f"no notebook for {chapter}")
    return roster
