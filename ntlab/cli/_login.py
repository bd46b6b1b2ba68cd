"""The dashboards' basic login, hardened: exact password compare, failed logins rate-limited.

Panel's own basic login compares the password after tornado strips its whitespace and
lets a client guess as fast as it can. :func:`install` swaps in :class:`GuardedLogin`
for ``ntlab serve --basic-auth``: the password is compared exactly (constant time), and a
client (by address) that fails :data:`MAX_FAILURES` times within :data:`WINDOW` seconds
is answered 429 until the window has passed, the right password included.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque

__all__ = ["install", "Throttle", "MAX_FAILURES", "WINDOW"]

#: Failed logins a client may make within :data:`WINDOW` seconds before it is refused.
MAX_FAILURES = 5
WINDOW = 60.0


class Throttle:
    """Failed attempts per client in a sliding window."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW) -> None:
        self.max_failures, self.window = max_failures, window
        self._fails: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque:
        q = self._fails[client]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def wait(self, client: str, now: float | None = None) -> float:
        """Seconds until ``client`` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            q = self._recent(client, now)
            return 0.0 if len(q) < self.max_failures else self.window - (now - q[0])

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent(client, now).append(now)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._fails.pop(client, None)


def login_handler(throttle: Throttle | None = None):
    """The login handler class (panel's, with an exact compare and the throttle)."""
    from panel.auth import BasicLoginHandler, _validate_next_url
    from panel.config import config
    from panel.io.state import state
    from tornado.escape import url_escape

    gate = throttle or Throttle()

    class GuardedLogin(BasicLoginHandler):
        def _validate(self, username: str, password: str) -> bool:
            expected = state._server_config.get(self.application, {}).get("basic_auth")
            expected = expected if expected is not None else config.basic_auth
            if not isinstance(expected, str):  # a users file: panel's own check
                return super()._validate(username, password)
            return hmac.compare_digest(password.encode(), expected.encode())

        def post(self) -> None:
            client = self.request.remote_ip or "?"
            wait = gate.wait(client)
            if wait > 0:
                self.set_status(429)
                self.set_header("Retry-After", str(int(wait) + 1))
                self.write(f"too many failed logins; try again in {int(wait) + 1} s")
                return
            username = self.get_argument("username", "", strip=False)
            password = self.get_argument("password", "", strip=False)
            if self._validate(username, password):
                gate.succeeded(client)
                self.set_current_user(username or "user")
                self.redirect(_validate_next_url(self.get_cookie("next_url", state.base_url)))
                return
            gate.failed(client)
            self.redirect(
                self.request.path + "?error=" + url_escape("Invalid username or password!")
            )

    GuardedLogin.throttle = gate
    return GuardedLogin


def install() -> None:
    """Make panel's basic auth provider use :class:`GuardedLogin` (call before ``panel serve``)."""
    from panel.auth import BasicAuthProvider

    guarded = login_handler()

    def handler(self):
        guarded._login_endpoint = self._login_endpoint
        guarded._login_template = self._login_template
        return guarded

    BasicAuthProvider.login_handler = property(handler)
