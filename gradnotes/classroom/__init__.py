"""Tools for teachers: a student edition, an answer key, and grading a teacher can trust.

``python -m gradnotes.classroom.student`` (``make student``) writes notebooks
without solutions; ``python -m gradnotes.classroom.answer_key`` (``make answer-key``)
the teacher's answer key and rubric; ``python -m gradnotes.classroom.grade DIR``
(``make grade``) grades submitted notebooks, each in its own sandbox, with the
teacher's checks run in the grader (see ``book/teachers_guide.md``). None of
them does any maths.
"""
