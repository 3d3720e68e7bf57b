"""Tools for teachers: a student edition of the notebooks and grading of submissions.

``python -m gradnotes.classroom.student`` (``make student``) writes notebooks
without solutions; ``python -m gradnotes.classroom.grade DIR`` (``make grade``)
runs submitted notebooks and writes a CSV. Neither does any maths.
"""
