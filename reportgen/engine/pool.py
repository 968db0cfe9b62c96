"""What every worker process of a fork pool (the export's writers, the image folder's
decoders) does first."""

from __future__ import annotations

import os
import signal


def worker_init() -> None:
    """Ctrl-C and SIGTERM go to the parent, which stops the pool; a worker dies with its
    parent (Linux PR_SET_PDEATHSIG) instead of working on as an orphan."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)
