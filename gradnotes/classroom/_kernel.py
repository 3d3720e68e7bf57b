"""Talk to a sandboxed kernel: run a cell under a deadline, call an answer, keep outputs small.

Every wait has a deadline. At a deadline the kernel's process group gets
SIGINT; if no reply follows within the grace period (an answer that catches
``KeyboardInterrupt``), the whole sandbox is killed and the session is marked
dead (the grader may start a fresh one). Outputs kept per submission are
capped, and a single message larger than ``Limits.message_mb`` is dropped by
ZeroMQ before it reaches the grader's memory.
"""

from __future__ import annotations

import json
import queue
import time

import nbformat
import zmq

from ..check._core import AnswerError
from . import _wire
from ._sandbox import Limits, Sandbox

__all__ = ["KernelSession", "SandboxDied", "ANSWER_MIME"]

ANSWER_MIME = "application/vnd.gradnotes.answer+json"
_OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")


class SandboxDied(RuntimeError):
    """The kernel is gone (killed at a deadline, out of memory, or it exited)."""


class KernelSession:
    """A started sandbox and a client connected to it. Use as a context manager; it always ends in a kill."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.limits: Limits = sandbox.limits
        self.client = None
        self.output_left = [self.limits.output_kb * 1024]
        self.dead = False

    def __enter__(self):
        from jupyter_client import BlockingKernelClient

        connection = self.sandbox.start()
        context = zmq.Context()
        context.setsockopt(zmq.MAXMSGSIZE, self.limits.message_mb * 1024 * 1024)
        self.client = BlockingKernelClient(connection_file=str(connection), context=context)
        deadline = time.monotonic() + 60
        while "failed" in self.sandbox.read_isolation() and self.sandbox.alive() and time.monotonic() < deadline:
            time.sleep(0.02)  # the jail writes what it achieved just before it becomes the kernel
        isolation = self.sandbox.read_isolation()
        if "failed" in isolation:
            self.close()
            raise SandboxDied(f"the sandbox could not start: {isolation['failed']}")
        self.client.load_connection_file()
        self.client.start_channels(hb=False)  # liveness is the process itself; a heartbeat misses beats under load
        if not self._ready(deadline):
            self.close()
            raise SandboxDied(f"the kernel did not start ({self.sandbox.log_tail()})")
        return self

    def _ready(self, deadline: float) -> bool:
        """Ask for kernel_info until the kernel answers (it has then set up its sockets and namespace)."""
        while time.monotonic() < deadline and self.sandbox.alive():
            msg_id = self.client.kernel_info()
            try:
                while True:
                    reply = self.client.get_shell_msg(timeout=1)
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
            except queue.Empty:
                continue
            while True:  # the startup's iopub chatter, so that it is not taken for a cell's output
                try:
                    self.client.get_iopub_msg(timeout=0.2)
                except queue.Empty:
                    return True
        return False

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.stop_channels()
            except Exception:  # closing a half-open client must never stop the grading
                pass
            self.client.context.destroy(linger=0)
        self.sandbox.kill()
        self.dead = True

    # -- cells ---------------------------------------------------------------

    def run(self, source: str, timeout: float, budget: list[int] | None = None) -> tuple[list, str]:
        """Execute ``source``; return (outputs, how) with how in ok, error, interrupted, killed, dead.

        ``budget`` (bytes of output still kept, a one-item list) defaults to the submission's notebook budget.
        """
        budget = self.output_left if budget is None else budget
        if self.dead or not self.sandbox.alive():
            self.dead = True
            return [], "dead"
        msg_id = self.client.execute(source, store_history=False, allow_stdin=False, stop_on_error=False)
        outputs, errored = [], False
        deadline, interrupted = time.monotonic() + timeout, False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if interrupted:
                    self.sandbox.kill()
                    self.dead = True
                    return outputs, "killed"
                self.sandbox.interrupt()
                interrupted, deadline = True, time.monotonic() + self.limits.grace
                continue
            try:
                msg = self.client.get_iopub_msg(timeout=min(left, 0.25))
            except queue.Empty:
                if not self.sandbox.alive():
                    self.dead = True
                    return outputs, "dead"
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "status" and msg["content"].get("execution_state") == "idle":
                break
            if kind == "error":
                errored = True
            if kind in _OUTPUT_TYPES:
                self._keep(outputs, msg, budget)
        how = "interrupted" if interrupted else "error" if errored else "ok"
        return outputs, how

    @staticmethod
    def _keep(outputs: list, msg: dict, budget: list[int]) -> None:
        if budget[0] <= 0:
            return
        budget[0] -= len(json.dumps(msg["content"], default=str))
        if budget[0] < 0:
            outputs.append(nbformat.v4.new_output("stream", name="stderr",
                                                  text="[the grader kept no more output of this submission]\n"))
            return
        outputs.append(nbformat.v4.output_from_msg(msg))

    # -- answers -------------------------------------------------------------

    def caller(self, function: str):
        """A callable that calls ``function`` in the sandbox and returns plain data (see :mod:`._wire`)."""

        def call(*args):
            return self.call(function, args)

        call.__name__ = function
        return call

    def call(self, function: str, args: tuple):
        if self.dead:
            raise AnswerError("SandboxDied", message="not graded: the sandbox had to be stopped before this call")
        request = json.dumps({"fn": function, "args": [_wire.encode(a) for a in args]})
        code = (f"exec(compile({_wire.KERNEL_SIDE!r}, '<gradnotes grader>', 'exec'), "
                f"{{'__name__': '__gradnotes_call__', '_REQUEST': {request!r}}})")
        # a reply is limited by the wire (one message), not by the notebook's output budget
        outputs, how = self.run(code, self.limits.cell_timeout, budget=[2 * self.limits.message_mb * 1024 * 1024])
        limit = self.limits.cell_timeout
        if how in ("killed", "dead"):
            raise AnswerError(how, message=f"your answer ran longer than the time limit ({limit} s) and did not stop "
                                           "when interrupted" if how == "killed" else
                                           "the sandbox died during this call (out of memory, or your code exited)")
        replies = [o["data"][ANSWER_MIME] for o in outputs
                   if o.get("output_type") == "display_data" and ANSWER_MIME in o.get("data", {})]
        if not replies or not isinstance(replies[-1], dict):
            raise AnswerError("NoReply", message="your answer gave no result (it printed over, or replaced, "
                                                 "what the grader reads)")
        reply = replies[-1]
        if reply.get("ok") is not True:
            ename, evalue = str(reply.get("ename"))[:60], str(reply.get("evalue"))[:500]
            if ename == "NotImplementedError":
                raise NotImplementedError(evalue)
            if ename == "KeyboardInterrupt" or how == "interrupted":
                raise AnswerError(ename, message=f"your answer ran longer than the time limit ({limit} s)")
            raise AnswerError(ename, evalue)
        try:
            result = _wire.decode(reply.get("result"))
            returned_args = reply.get("args")
            if isinstance(returned_args, list):
                for original, back in zip(args, returned_args):
                    if back is not None:
                        _wire.write_back(original, _wire.decode(back))
        except _wire.WireError as error:
            raise AnswerError("WireError", message=f"your answer returned something the grader does not accept: "
                                                   f"{error}") from None
        return result
