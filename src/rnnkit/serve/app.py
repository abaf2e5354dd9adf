"""The HTTP service (FastAPI) over one saved run; :func:`serve` runs it on uvicorn.

Forecaster run::

    GET  /health        {"status": "ok", "task": "forecast", "series": [...], "updates": n, "next_time": {...}}
    GET  /forecast      {"forecast": [{"id", "time", "value", "lower", "upper"}, ...]}   (as `rnnkit forecast`)
                        (HEAD too on both: the same status and headers, no body)
    POST /observations  {"observations": [{"id", "time", "value"}, ...]}
                        -> {"accepted": n, "forecast": [...]}   (update path, no refit; journalled first)

Classifier run::

    GET  /health        {"status": "ok", "task": "classify", "classes": [...], "max_len": 200, "on_long": "truncate"}
    POST /predict       {"texts": [...]} -> {"predictions": [{"label", "probabilities": {class: p},
                                                              "truncated": false}, ...]}
                        (a text longer than the run's max_len tokens: only its first max_len are read,
                        "truncated": true, "tokens": its length; a run with on_long="error" answers 422, and
                        a run without max_len a text over MAX_UNCUT_CHARS = 200,000 characters)

A rejected request gets a 4xx status and ``{"error": "<one line>"}``: 422 for a wrong schema or value
(missing field, extra field, non-finite value, time off the series' grid), 404 for an unknown series id
(or path), 409 for a time not after the series' last one, 400 for a body that is not JSON text (not
UTF-8, nested too deep; a Content-Length beside Transfer-Encoding), 405 for a wrong method, 413 for a body over
:data:`MAX_BODY_BYTES` (refused before it is parsed), 408 for a body that does not arrive within
:data:`BODY_TIMEOUT` seconds of its headers (``rnnkit serve --body-timeout``; the connection is then closed; a
late head: :mod:`rnnkit.serve.head`), 415 for a Content-Encoding other than gzip, deflate or identity (gzip and
deflate bodies are decompressed, to at most :data:`MAX_BODY_BYTES`) or a Content-Type charset other than UTF-8
(JSON text is UTF-8, RFC 8259 8.1; an ASCII body in an ASCII charset reads alike: :func:`reads_as_utf8`). A JSON
object with a key given twice (``{"value": 1, "value": 2}``) or an integer literal longer than Python reads (4,300
digits) is a 422 naming the key (JSON readers disagree on which
value wins; none is guessed), and so is a query parameter no endpoint takes (``/forecast?horizn=5``: the
endpoints take none; a typo is not ignored). Nothing changes on a rejected request.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import email.message
import email.utils
import json
import math
import sys
import zlib
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from rnnkit._io import DuplicateKeyError, unique_keys
from rnnkit._validate import check_number
from rnnkit.errors import InputTypeError
from rnnkit.serve.services import ClassifierService, ForecastService, RequestError, open_service
from rnnkit.serve.services import _short as short_repr

__all__ = ["create_app", "serve", "Observation", "Observations", "Texts", "BodyLimit", "MAX_OBSERVATIONS", "MAX_TEXTS",
           "MAX_BODY_BYTES", "BODY_TIMEOUT", "BODY_MIN_RATE"]

MAX_OBSERVATIONS = 10_000
MAX_TEXTS = 1_024
#: The largest request body read (bytes): 10,000 observations take about 0.6 MB, 1,024 texts of 8 KB 8 MB.
MAX_BODY_BYTES = 16 * 2 ** 20
#: The longest a request body may take to arrive, in seconds from its headers (``rnnkit serve --body-timeout``): a
#: client sending its body a byte a second held its connection and the bytes buffered so far for as long as it
#: liked (uvicorn bounds idle keep-alive connections, not a body in progress). A body gets one second more for each
#: :data:`BODY_MIN_RATE` bytes received, so an honest slow link is never cut, whatever the body's size.
BODY_TIMEOUT = 60.0
#: The slowest a body may arrive past :data:`BODY_TIMEOUT` (bytes a second, 128 kbit/s): 16 MiB at 1 Mbit/s (an ADSL
#: uplink) take 134 s and 1,024 texts of 8 KB 67 s, which a fixed 60 s cut (session 23's first rule) answered 408; a
#: trickle below this rate is still cut, and a client at this rate pays for the connection it holds with its bytes.
BODY_MIN_RATE = 16 * 1024


class Observation(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    id: StrictStr | StrictInt   # 3 is the series "3": a fitted id is text (a CSV's, or str() of a frame's 3)
    time: StrictStr | StrictInt
    value: StrictFloat | StrictInt


class Observations(BaseModel):
    model_config = ConfigDict(extra="forbid")
    observations: Annotated[list[Observation], Field(min_length=1, max_length=MAX_OBSERVATIONS)]


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: Annotated[list[StrictStr], Field(min_length=1, max_length=MAX_TEXTS)]


def _one_line(error: dict[str, Any], content_type: str | None = "application/json",
              others: list[dict[str, Any]] | None = None) -> str:
    """The first validation ``error`` of a request (``others``: all of them, a union's members each report
    one) as one line naming the field."""
    others = [error] if others is None else others
    loc = error.get("loc", ())
    if error.get("type") == "json_invalid":         # loc is ("body", position): a position is no field name
        at = loc[1] if len(loc) > 1 else "?"
        return " ".join(f"body: expected JSON text, got a decode error at character {at} "
                        f"({(error.get('ctx') or {}).get('error', 'invalid')})".split())
    if loc == ("body",) and error.get("type") == "missing":
        return "body: expected a JSON object, got an empty body"
    if loc == ("body",) and content_type is None:   # FastAPI (strict_content_type) reads no JSON without the header
        return "body: expected a JSON object sent with content-type application/json, got no content-type header"
    if loc == ("body",) and not is_json_type(content_type):   # FastAPI parses JSON only when the header says so
        return (f"body: expected a JSON object sent with content-type application/json, got content-type "
                f"{content_type[:60]!r}")
    if loc == ("body",) and error.get("type") in ("model_attributes_type", "dict_type"):   # [1], null, "x"
        kind = {list: "an array", str: "a string", type(None): "null", bool: "a boolean"}.get(
            type(error.get("input")), "a number")
        return f"body: expected a JSON object, got {kind}"
    return " ".join(_schema_error(error, others).split())


def is_json_type(content_type: str) -> bool:
    """Whether FastAPI reads a body of this content type as JSON: ``application/json`` or ``application/*+json``,
    parameters and case aside (its own rule; ``application/jsonx`` or ``text/json`` reach the schema as bytes)."""
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


#: What pydantic's type errors expect, as JSON says it (a union's members each report one).
_EXPECTED = {"string_type": "a string", "int_type": "an integer", "float_type": "a number",
             "finite_number": "a finite number", "list_type": "an array", "model_type": "an object",
             "dict_type": "an object", "model_attributes_type": "an object"}


def _json_kind(value: Any) -> str:
    """``value`` as the JSON the client sent: ``null``, ``true``, ``NaN``, a short string, ``an array`` ..."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)                    # NaN, Infinity, -Infinity
    if isinstance(value, (list, dict)):
        return "an array" if isinstance(value, list) else "an object"
    return short_repr(value)


def _cut(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters (``...`` ending a cut one): a reply names what the client sent, it does
    not echo a megabyte of it (as :func:`~rnnkit.serve.services._short` cuts a value)."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _schema_error(error: dict[str, Any], others: list[dict[str, Any]]) -> str:
    """A schema error as "NAME: expected X, got Y" (``observations[0].value: expected a finite number, got
    NaN``), not pydantic's wording (``observations.0.value.float: Input should be a finite number``)."""
    kind, loc = error.get("type"), [p for p in error.get("loc", ()) if p != "body"]
    if kind != "extra_forbidden" and len(loc) > 1 and loc[-1] in ("str", "int", "float"):
        loc = loc[:-1]                               # a union member's tag: StrictFloat | StrictInt
    # a key is named cut to 60 characters (_cut): an unknown key of a megabyte came back whole in the reply
    name = "".join(f"[{p}]" if isinstance(p, int) else f".{_cut(str(p))}" for p in loc).lstrip(".") or "body"
    ctx, got = error.get("ctx") or {}, _json_kind(error.get("input"))
    if kind == "missing":
        return f"{name}: expected a value, got none (the field is missing)"
    if kind == "extra_forbidden":
        return f"{name}: expected no such field, got one"
    if kind == "string_unicode":   # a key holding a lone surrogate ('\\ud800'): pydantic's 'unable to parse raw data'
        return f"{name}: expected keys of valid Unicode (UTF-8 encodable), got a lone surrogate in the key {got}"
    if kind in ("too_short", "too_long"):
        bound = f"at least {ctx.get('min_length')}" if kind == "too_short" else f"at most {ctx.get('max_length')}"
        return f"{name}: expected {bound} item(s), got {ctx.get('actual_length')}"
    if kind in _EXPECTED:
        same = [e for e in others if tuple(p for p in e.get("loc", ()) if p != "body")[:len(loc)] == tuple(loc)]
        wants = list(dict.fromkeys(_EXPECTED[e["type"]] for e in same if e.get("type") in _EXPECTED))
        if any(w.endswith("number") for w in wants):   # a float member's word covers the int member's
            wants = [w for w in wants if w != "an integer"]
        return f"{name}: expected {' or '.join(wants)}, got {got}"
    return f"{name}: {error.get('msg', 'invalid')}"


_BODY_ERROR = "rnnkit.body_error"  # the scope key under which a strict parse leaves what it found wrong


class StrictJSONRequest(Request):
    """A request whose JSON body is parsed once, strictly: a key repeated in an object, or an integer
    literal too long for ``int``, is noted in the scope (``_BODY_ERROR``) for :func:`_checked_request`
    to refuse -- FastAPI turns any exception raised while parsing into a bare 400."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            problems: list[str] = []

            def integer(text: str) -> int:
                try:
                    return int(text)
                except ValueError:  # over sys.get_int_max_str_digits()
                    problems.append(f"body: expected integers of at most {sys.get_int_max_str_digits()} digits, "
                                    f"got one of {len(text.lstrip('-'))}")
                    return 0

            def number(text: str) -> float:
                value = float(text)
                if math.isinf(value):   # a literal beyond float64 ('1e400'): it was refused as 'got Infinity'
                    problems.append(f"body: expected numbers float64 holds (magnitude up to 1.8e308), got {text[:60]}: "
                                    f"a number too large for float64, not infinity")
                return value

            status = 422
            charset = declared_charset(self.headers.get("content-type", ""))
            try:   # UTF-8 only (RFC 8259; json.loads also took UTF-16 and UTF-32 bytes), a BOM allowed
                body = await self.body()
                if charset is not None and not reads_as_utf8(charset, body):   # Latin-1 bytes that happen to be
                    raise LookupError(charset)                                 # UTF-8 ('Ã©') were read as 'é'
                text = body.decode("utf-8-sig")
                if (nul := body.find(b"\0")) >= 0:   # UTF-16/32 without a BOM decodes as UTF-8 with NULs: it was a
                    status, self._json = 400, {}       # 422 'decode error at character 1 (Expecting property name)'
                    problems.append(f"body: expected UTF-8 JSON text, got a NUL byte at position {nul} (UTF-16 or "
                                    f"UTF-32 text? JSON is sent as UTF-8, RFC 8259 8.1)")
                else:
                    self._json = json.loads(text, object_pairs_hook=unique_keys, parse_int=integer,
                                            parse_float=number)
            except UnicodeDecodeError as e:  # FastAPI said only "There was an error parsing the body"
                status, self._json = 400, {}
                problems.append(f"body: expected UTF-8 JSON text, got byte 0x{e.object[e.start]:02x} at position "
                                f"{e.start}, which is not UTF-8")
            except LookupError:              # a declared charset other than UTF-8 (above)
                status, self._json = 415, {}
                problems.append(f"content-type: expected charset utf-8 or none (JSON text is UTF-8, RFC 8259 8.1), "
                                f"got charset {charset[:60]!r}")
            except DuplicateKeyError as e:   # refused by the dependency before the body is validated
                problems.append(f"body: expected each key once in a JSON object, got {e.key!r} twice")
                self._json = {}
            except RecursionError:           # FastAPI said only "There was an error parsing the body"
                status, self._json = 400, {}
                problems.append("body: expected JSON nested less deeply, got more levels of arrays/objects than the "
                                "parser reads (about 1,000)")
            self.scope[_BODY_ERROR] = (status, problems[0]) if problems else None
        return self._json


def declared_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of ``content_type`` when it names another charset than UTF-8 (``utf-8``, ``utf8``,
    any case), else ``None``: the body was decoded as UTF-8 whatever the header said, so Latin-1 bytes that happen
    to be valid UTF-8 were read as other text, silently, and UTF-16 was refused as 'not UTF-8'."""
    message = email.message.Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    if charset is None:
        return None
    charset = email.utils.collapse_rfc2231_value(charset)
    return None if charset.strip().lower() in ("utf-8", "utf8") else charset


def reads_as_utf8(charset: str, body: bytes) -> bool:
    """Whether ``body`` read in the declared ``charset`` is the text UTF-8 reads: ``charset`` another name of UTF-8
    (Python's ``utf_8``, ``u8``, Windows' ``cp65001``), or an ASCII body that the charset reads as ASCII (``us-ascii``,
    ``iso-8859-1``, ``windows-1252``: they and UTF-8 read those bytes alike; the body is read both ways). Session 23's
    415 refused these too, where nothing could be misread (RFC 8259 11: a charset parameter 'really has no effect on
    compliant recipients'); UTF-16, EBCDIC, an ISO-2022 escape and non-ASCII bytes under another charset stay 415."""
    try:
        codec = codecs.lookup(charset.strip())
        if codec.name in ("utf-8", "utf-8-sig"):
            return True
        return body.isascii() and body.decode(codec.name) == body.decode("ascii")   # ESC of ISO-2022, '+' of UTF-7
    except (LookupError, UnicodeError, TypeError):   # unknown, or no text encoding ('rot13', 'base64')
        return False


class StrictRoute(APIRoute):
    """A route that hands FastAPI a :class:`StrictJSONRequest`."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def strict(request: Request):
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict


def _query_names(dependant: Any) -> set[str]:
    """The query parameters an endpoint declares, its dependencies' included."""
    return {p.alias for p in dependant.query_params}.union(*(_query_names(d) for d in dependant.dependencies))


async def _checked_request(request: Request) -> None:
    """Every endpoint's first dependency (it runs before the body is validated): refuses what the strict
    parse found, query parameters the endpoint does not declare, and a body sent with GET or HEAD."""
    if request.scope.get(_BODY_ERROR):
        raise RequestError(*request.scope[_BODY_ERROR])
    route = request.scope.get("route")
    known = sorted(_query_names(route.dependant)) if route is not None else []
    unknown = [k for k in request.query_params if k not in known]
    if unknown:
        want = f"parameters among {known}" if known else "no query parameters"
        raise RequestError(422, f"query: expected {want} ({request.method} {_cut(request.url.path, 200)}), got "
                                f"{unknown[0][:60]!r}")
    if request.method in ("GET", "HEAD") and (body := await request.body()):   # ignored, silently, as a query was
        raise RequestError(422, f"body: expected none ({request.method} {_cut(request.url.path, 200)} takes no "
                                f"parameters), got {len(body)} bytes")


async def _send_error(send, status: int, reason: str, close: bool = False) -> None:
    """``{"error": reason}`` with ``status``; ``close``: with ``Connection: close`` (a body left unread: uvicorn then
    closes the connection after the reply, where it kept reading what a slow client went on sending)."""
    body = json.dumps({"error": reason}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": headers + ([(b"connection", b"close")] if close else [])})
    await send({"type": "http.response.body", "body": body})


#: The content codings a request body may come in (RFC 9110 8.4.1): gzip (``x-gzip`` its old name) and
#: deflate (the zlib format) are decompressed; another one is a 415.
_CODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _decoded(body: bytes, coding: str, limit: int) -> tuple[bytes | None, int, str]:
    """``body`` decompressed by ``coding`` (a key of ``_CODINGS``) to at most ``limit`` bytes: ``(data, 0, "")``,
    or ``(None, status, reason)`` -- 413 for more than ``limit`` bytes once decompressed (a small bomb
    inflates 1,000-fold), 400 for data that is not in that coding or ends early. A gzip body may be several
    members one after another (RFC 1952 2.2: what ``cat a.gz b.gz`` and streaming compressors write), read as
    their contents joined, as ``gzip.decompress`` reads them; a deflate (zlib) stream is one."""
    parts: list[bytes] = []
    size, rest = 0, body
    while True:
        inflate = zlib.decompressobj(_CODINGS[coding])
        try:
            data = inflate.decompress(rest, limit - size + 1)
        except zlib.error as e:
            return None, 400, f"body: expected {coding} data (content-encoding: {coding}), got bytes that are not ({e})"
        size += len(data)
        if size > limit:
            return None, 413, f"body: expected at most {limit} bytes once decompressed ({coding}), got more"
        parts.append(data)
        rest = inflate.unused_data
        if not inflate.eof or (rest and coding == "deflate"):
            where = "ends before its end" if not inflate.eof else "has bytes after its end"
            return None, 400, f"body: expected one complete {coding} stream (content-encoding: {coding}), got one that {where}"
        if not rest:
            return b"".join(parts), 0, ""


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 and ``{"error": ...}`` before any of
    it is parsed -- from its Content-Length, or while it streams in (chunked) -- so a huge payload costs
    at most ``limit`` bytes of memory; a body not all there ``body_timeout`` seconds after the request's headers,
    plus one second per :data:`BODY_MIN_RATE` bytes received, gets 408 (and the connection is closed), so a client
    trickling its body holds no connection for long and a slow honest one is not cut. A body
    within the limit is passed on unchanged, or decompressed when its Content-Encoding is gzip or deflate (at
    most ``limit`` bytes once decompressed; another coding is a 415 naming it -- a compressed body was read as
    JSON text and refused as 'not UTF-8', and a coding the service does not decode was ignored)."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES, body_timeout: float = BODY_TIMEOUT) -> None:
        self.app, self.limit = app, limit
        self.body_timeout = check_body_timeout(body_timeout)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared and any(h.lower() == b"transfer-encoding" for h, _ in scope.get("headers") or ()):
            # RFC 9112 6.3: chunked wins and the length is ignored -- a proxy that reads the length instead sees
            # another request boundary (request smuggling); h11 took the chunked body, silently
            return await _send_error(send, 400, "content-length: expected none beside Transfer-Encoding (RFC 9112 "
                                                "6.3: the two disagree on where the body ends), got both", close=True)
        if declared.isdigit() and int(declared) > self.limit:
            return await _send_error(send, 413, f"body: expected at most {self.limit} bytes, got {int(declared)}",
                                     close=True)
        chunks, size = [], 0
        clock = asyncio.get_running_loop()
        start = clock.time()
        while True:
            allowed = self.body_timeout + size / BODY_MIN_RATE   # a second more per BODY_MIN_RATE bytes received
            try:   # uvicorn's receive() waits for the client's next bytes as long as it takes (cancelling it is safe)
                message = await asyncio.wait_for(receive(), max(start + allowed - clock.time(), 0.0))
            except asyncio.TimeoutError:
                of = f"of {int(declared)} " if declared.isdigit() else "(chunked) "
                return await _send_error(send, 408, f"body: expected the request body within {round(allowed, 1):g} s "
                                                    f"of its headers (rnnkit serve --body-timeout, and 1 s more per "
                                                    f"{BODY_MIN_RATE // 1024} KiB received), got {size} bytes "
                                                    f"{of}in that time", close=True)
            if message["type"] != "http.request":  # the client went away
                return None
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await _send_error(send, 413, f"body: expected at most {self.limit} bytes, got more", close=True)
            if not message.get("more_body", False):
                break
        body, headers = b"".join(chunks), list(scope.get("headers") or ())
        codings = [c.strip().lower() for h, v in headers if h.lower() == b"content-encoding"
                   for c in v.decode("latin-1").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if codings and body:
            if len(codings) > 1 or codings[0] not in _CODINGS:
                return await _send_error(send, 415, f"content-encoding: expected one of {sorted(_CODINGS)} or "
                                                    f"identity, got {', '.join(codings)[:60]!r}")
            body, status, reason = _decoded(body, codings[0], self.limit)
            if body is None:
                return await _send_error(send, status, reason)
            headers = [(h, v) for h, v in headers if h.lower() not in (b"content-encoding", b"content-length")]
            scope = {**scope, "headers": headers + [(b"content-length", str(len(body)).encode())]}
        pending = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay():
            return pending.pop() if pending else await receive()

        return await self.app(scope, replay, send)


def check_body_timeout(value: Any) -> float:
    """``body_timeout``: a finite number of seconds > 0 (``None`` or ``inf`` would let a trickling client hold its
    connection without end, which the bound is there to stop)."""
    return float(check_number("body_timeout", value, lo=0, lo_open=True))


def create_app(service: ForecastService | ClassifierService, body_timeout: float = BODY_TIMEOUT) -> FastAPI:
    """The FastAPI app over a service (:func:`rnnkit.serve.services.open_service`); ``body_timeout``: the seconds a
    request body may take to arrive after its headers (:data:`BODY_TIMEOUT`; later: 408)."""
    body_timeout = check_body_timeout(body_timeout)
    if not isinstance(service, (ForecastService, ClassifierService)):   # a run folder failed at the first request
        raise InputTypeError(f"service: expected a ForecastService or ClassifierService (open_service(run)), got "
                             f"{type(service).__name__} {short_repr(service)}")
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        service.close()  # releases the state folder's lock

    # redirect_slashes: '/observations/' was a 307 to the Host header's site ('Host: evil.example' -> Location
    # http://evil.example/observations), which a client following redirects re-sent its body to; now a 404 naming routes
    app = FastAPI(title="rnnkit serve", description=(__doc__ or "").split("\n\n")[0], lifespan=lifespan,
                  dependencies=[Depends(_checked_request)], redirect_slashes=False)
    app.router.route_class = StrictRoute

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        kind = request.headers.get("content-type")   # None: no header (it was said as the content-type 'none')
        return JSONResponse({"error": _one_line(errors[0], kind, errors) if errors else "invalid request"},
                            status_code=422)

    @app.exception_handler(RequestError)
    async def _rejected(request: Request, exc: RequestError):
        return JSONResponse({"error": exc.reason}, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)  # unknown path, wrong method, a body that is not JSON text
    async def _http(request: Request, exc: StarletteHTTPException):
        reason = " ".join(str(exc.detail).split()) or "request refused"
        if exc.status_code == 404:   # /predict of a forecaster, /forecast of a classifier: say what this one serves
            served = [f"{m} {r.path}" for r in app.routes if isinstance(r, APIRoute) for m in sorted(r.methods)
                      if m != "HEAD"]   # implied by GET
            reason = f"expected one of {served} (this server serves a {service.task} run), got {reason.lower()}"
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:   # Allow named the first route of the path only: 'GET' where HEAD is served too
            allowed = sorted({m for r in app.routes if isinstance(r, APIRoute) and r.path_regex.match(request.url.path)
                              for m in r.methods})
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
            reason = f"{reason} (allowed: {', '.join(allowed)})"
        return JSONResponse({"error": f"{_cut(request.method)} {_cut(request.url.path, 200)}: {reason}"},
                            status_code=exc.status_code,
                            headers=headers)

    # GET and HEAD (RFC 9110 9.1: a general-purpose server supports both; uptime probes send HEAD, which was a 405).
    # HEAD is a route of its own, out of the schema: one route of both methods gave both one operation id, and
    # every GET /openapi.json warned 'Duplicate Operation ID health_health_get' (FastAPI's UserWarning).
    async def health() -> dict[str, Any]:
        return service.health()

    app.get("/health")(health)
    app.head("/health", include_in_schema=False)(health)
    if isinstance(service, ForecastService):
        async def forecast() -> Response:
            return Response(service.forecast(), media_type="application/json")

        app.get("/forecast")(forecast)
        app.head("/forecast", include_in_schema=False)(forecast)

        @app.post("/observations")  # sync: runs in a worker thread, so GET /forecast is served meanwhile
        def observations(body: Annotated[Observations, Body()]) -> Response:
            return Response(service.observe([ob.model_dump() for ob in body.observations]),
                            media_type="application/json")
    else:
        @app.post("/predict")  # sync, as /observations: a long prediction held the event loop (no /health meanwhile)
        def predict(body: Annotated[Texts, Body()]) -> dict[str, Any]:
            return service.predict(body.texts)

    app.add_middleware(BodyLimit, body_timeout=body_timeout)
    return app


def serve(run: str | Path, host: str = "127.0.0.1", port: int = 8000, state: str | Path | None = None,
          log_level: str = "warning", body_timeout: float = BODY_TIMEOUT, head_timeout: float | None = None) -> None:
    """Load the run (replaying its journal), then serve it on uvicorn until interrupted; a request's head must arrive
    within ``head_timeout`` seconds (:data:`rnnkit.serve.head.HEAD_TIMEOUT` when None) and its body within
    ``body_timeout`` seconds of its head (both: 408, the connection closed)."""
    import sys

    import uvicorn

    from rnnkit.serve.head import HEAD_TIMEOUT, head_timeout_protocol

    body_timeout = check_body_timeout(body_timeout)   # before the run is loaded
    protocol = head_timeout_protocol(HEAD_TIMEOUT if head_timeout is None else head_timeout)
    service = open_service(Path(run), None if state is None else Path(state))
    print(f"rnnkit serve: {service.task} run {run} on http://{host}:{port}", file=sys.stderr, flush=True)
    # uvicorn.Server, not uvicorn.run: a SIGINT / SIGTERM stops the server gracefully and is then raised again, which
    # uvicorn.run swallowed (`except KeyboardInterrupt: pass`, our SIGTERM's Terminated too): 'kill' and Ctrl-C
    # exited 0 with no line; now rnnkit.cli.main reports them as for every command (130 / 143)
    server = uvicorn.Server(uvicorn.Config(create_app(service, body_timeout), host=host, port=port,
                                           log_level=log_level, access_log=False, http=protocol))
    server.run()
    if not server.started:   # uvicorn logged why (its lifespan failed, the address taken meanwhile)
        raise RuntimeError(f"the server did not start on http://{host}:{port} (see uvicorn's message above)")
