"""A deadline for a request's head (its request line and headers) on uvicorn's h11 protocol.

uvicorn closes a keep-alive connection that stays idle for ``timeout_keep_alive`` seconds, but any byte received
cancels that timer and nothing bounds a head in progress: a client sending a header line every few seconds (the
"slowloris" attack) held its connection -- a file descriptor and a buffer of up to 16 KiB -- for as long as it liked,
and a few thousand such clients exhaust the server's descriptors. The body has its own deadline
(:class:`rnnkit.serve.app.BodyLimit`); the app sees a request only once its head is complete, so the head's is kept
here, in the protocol: a head not complete ``seconds`` after the connection opened (or the previous response ended)
gets ``408`` with ``Connection: close``, and the connection is closed.

A head h11 cannot read (a malformed request line, two Content-Lengths, a Transfer-Encoding other than chunked) is
answered 400 with a one-line JSON error naming h11's reason, as every other refusal of the service: uvicorn answered
it in plain text, ``Invalid HTTP request received.``, the reason in the server's log only.
"""

from __future__ import annotations

import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from rnnkit._validate import check_number

__all__ = ["HEAD_TIMEOUT", "head_timeout_protocol"]

#: The longest a request's head may take to arrive (seconds, from the connection's start or the previous response's
#: end): a head is at most 16 KiB (uvicorn's h11 limit), seconds on the slowest link.
HEAD_TIMEOUT = 30.0


def head_timeout_protocol(seconds: float = HEAD_TIMEOUT) -> type[H11Protocol]:
    """uvicorn's h11 protocol (``uvicorn.Config(http=...)``) with a deadline of ``seconds`` (a finite number > 0) on
    each request's head, and its 400 for a malformed head in JSON."""
    seconds = float(check_number("head_timeout", seconds, lo=0, lo_open=True))
    reply = json.dumps({"error": f"request: expected its request line and headers within {seconds:g} s, got part of "
                                 f"them in that time"}).encode()
    late = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(reply), reply))

    class HeadTimeoutProtocol(H11Protocol):
        """:class:`H11Protocol` closing a connection whose next request's head is not there in time."""

        head_timeout = seconds
        _head_timer: Any = None
        _refused = ""

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            read = self.conn.next_event

            def next_event():   # keeps h11's reason for send_400_response (uvicorn passes a fixed text)
                try:
                    return read()
                except h11.RemoteProtocolError as e:
                    self._refused = " ".join(str(e).split())
                    raise

            self.conn.next_event = next_event
            self._arm_head_timer()

        def send_400_response(self, msg: str) -> None:
            body = json.dumps({"error": f"request: expected an HTTP/1.1 request h11 reads, got one it does not "
                                        f"({(self._refused or msg)[:200]})"}).encode()
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close"
                                 b"\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
            self.transport.close()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            super().connection_lost(exc)

        def _arm_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_late)

        def _head_late(self) -> None:
            self._head_timer = None
            if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
                return   # a request is being served: its head came (its body has BodyLimit's deadline)
            if self.conn.trailing_data[0]:   # part of a head: say why (idle keep-alive: closed without a word)
                self.transport.write(late)
            self.transport.close()

    return HeadTimeoutProtocol
