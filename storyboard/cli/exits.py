"""The exit codes, one meaning each and the same for every command (DESIGN.md, "Pipelines").

A pipeline branches on them: 1 is something to fix in the file or a shot that failed, 2 a
command typed wrong, 3 (``plan --detailed-exitcode``) shots would be generated, 4 a build
that refused to spend and sent nothing, 130 a stop (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

OK = 0  # success; `plan --detailed-exitcode`: nothing would be generated
FAILED = 1  # invalid input, or a shot that failed
USAGE = 2  # a usage error: an unknown option, a selector that names nothing, a malformed plan file
CHANGES = 3  # `plan --detailed-exitcode`: shots would be generated
REFUSED = 4  # `build` refused to spend (no consent, over --budget, a saved plan gone stale): nothing was sent
INTERNAL = 70  # a bug (EX_SOFTWARE): the message asks for a report
INTERRUPTED = 130  # 128 + SIGINT, for SIGTERM too

__all__ = ["CHANGES", "FAILED", "INTERNAL", "INTERRUPTED", "OK", "REFUSED", "USAGE"]
