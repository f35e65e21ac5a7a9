"""Rate limiting (Flask-Limiter). In memory by default; RATELIMIT_STORAGE_URI=redis://… at scale."""
from __future__ import annotations

import math
import time

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def seconds_to_wait() -> int:
    """How long the person must wait before the limit that was just hit lets them in."""
    current = limiter.current_limit
    if current is None:
        return 60
    # window.reset_time, not reset_at: the latter adds a second for HTTP headers.
    return max(1, math.ceil(current.window.reset_time - time.time()))
