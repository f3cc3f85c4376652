"""Locust load test for kv-cache's text protocol (raw TCP, not HTTP).

    locust -f infra/locustfile.py --headless -u 50 -r 50 -t 30s --host 127.0.0.1:7171
    locust -f infra/locustfile.py --host tcp://cache.internal:7171          # web UI on :8089

--host is `tcp://HOST:PORT` or plain `HOST:PORT` (`[::1]:7171` for IPv6; the port defaults to 7171).
Each simulated user holds one TCP connection (TCP_NODELAY) and sends one command at a time, waiting
for its reply; a socket error, timeout or closed connection is a failure and the next request
reconnects. Settings, from the environment:

    KV_PUT_WEIGHT    relative weight of PUT tasks                       default 1
    KV_GET_WEIGHT    relative weight of GET tasks                       default 4
    KV_KEYS          distinct keys (key space)                          default 10000
    KV_KEY_PREFIX    prefix of every key                                default "locust:"
    KV_VALUE_SIZE    bytes per value, 1..256                            default 64
    KV_TIMEOUT       seconds to connect or to wait for one reply        default 5
    KV_WAIT          seconds between a user's requests (0 = closed loop) default 0
    KV_VERIFY        1: a GET must return NOTFOUND or exactly the value this test writes for that
                     key (values are derived from the key, so every user agrees); 0: any value
                     default 1 (use 0, or another KV_KEY_PREFIX / KV_VALUE_SIZE run, against data
                     written by something else)

Reported per request: request_type PUT or GET, name "kv", the time to the reply line, and the reply
length. An ERROR reply, or any reply that is not what the protocol allows for that command, is a
failure.
"""

import os
import random
import socket
import time
from urllib.parse import urlsplit

from locust import User, between, constant, task

DEFAULT_PORT = 7171
MAX_LINE = 1024  # longer than any valid reply (values are at most 256 bytes)


def _env_int(name, default, lo, hi):
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw.strip() else default
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not an integer") from None
    if not lo <= value <= hi:
        raise ValueError(f"{name}={value} is out of range {lo}..{hi}")
    return value


def _env_float(name, default):
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw.strip() else default
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None


PUT_WEIGHT = _env_int("KV_PUT_WEIGHT", 1, 0, 1000)
GET_WEIGHT = _env_int("KV_GET_WEIGHT", 4, 0, 1000)
if PUT_WEIGHT + GET_WEIGHT == 0:
    raise ValueError("KV_PUT_WEIGHT and KV_GET_WEIGHT cannot both be 0")
KEYS = _env_int("KV_KEYS", 10000, 1, 10**9)
KEY_PREFIX = os.environ.get("KV_KEY_PREFIX", "locust:")
VALUE_SIZE = _env_int("KV_VALUE_SIZE", 64, 1, 256)
TIMEOUT = _env_float("KV_TIMEOUT", 5.0)
WAIT = _env_float("KV_WAIT", 0.0)
VERIFY = os.environ.get("KV_VERIFY", "1") not in ("0", "false", "no", "")
if not KEY_PREFIX or any(c in KEY_PREFIX for c in " \r\n") or len(KEY_PREFIX) + len(str(KEYS - 1)) > 256:
    raise ValueError("KV_KEY_PREFIX must be non-empty, without spaces or newlines, and keys at most 256 bytes")


def parse_host(host):
    """`tcp://HOST:PORT`, `HOST:PORT`, `HOST`, `[V6]:PORT` -> (host, port)."""
    if not host:
        raise ValueError("no host: pass --host tcp://HOST:PORT or HOST:PORT")
    text = host.strip()
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("tcp", "kv"):
            raise ValueError(f"--host {host!r}: scheme must be tcp:// (or none), not {parts.scheme}://")
    else:
        parts = urlsplit("//" + text)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ValueError(f"--host {host!r}: bad port") from None
    if not parts.hostname:
        raise ValueError(f"--host {host!r}: no host name")
    return parts.hostname, port


def key_for(i):
    return f"{KEY_PREFIX}{i}"


def value_for(key):
    """The value this test stores under key: derived from the key, VALUE_SIZE bytes, no spaces needed."""
    seed = f"{key}|"
    return (seed * (VALUE_SIZE // len(seed) + 1))[:VALUE_SIZE]


class ProtocolError(Exception):
    """The server answered, but not with what the protocol allows for the command."""


class ErrorReply(ProtocolError):
    """The server answered ERROR: a failure, but the connection is still in step."""


class KvUser(User):
    """One connection per user; tasks PUT and GET in the KV_PUT_WEIGHT:KV_GET_WEIGHT ratio."""

    host = f"tcp://127.0.0.1:{DEFAULT_PORT}"
    wait_time = between(0, WAIT) if WAIT > 0 else constant(0)

    def __init__(self, environment):
        super().__init__(environment)
        self.address = parse_host(self.host)
        self.sock = None
        self.buffer = b""

    # -- connection --------------------------------------------------------------------------
    def connect(self):
        sock = socket.create_connection(self.address, timeout=TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(TIMEOUT)
        self.sock = sock
        self.buffer = b""

    def disconnect(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.buffer = b""

    def on_start(self):
        try:
            self.connect()
        except OSError:
            self.disconnect()  # the first request reconnects and reports the failure

    def on_stop(self):
        self.disconnect()

    def read_line(self):
        while True:
            nl = self.buffer.find(b"\n")
            if nl >= 0:
                line = self.buffer[:nl]
                self.buffer = self.buffer[nl + 1 :]
                return line[:-1] if line.endswith(b"\r") else line
            if len(self.buffer) > MAX_LINE:
                raise ProtocolError(f"reply line longer than {MAX_LINE} bytes")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk

    # -- one timed request -----------------------------------------------------------------
    def call(self, request_type, command, check):
        """Sends one command line, reads one reply line, checks it, and reports it to Locust."""
        start = time.perf_counter()
        length = 0
        exception = None
        try:
            if self.sock is None:
                self.connect()
            self.sock.sendall(command)
            reply = self.read_line()
            length = len(reply) + 1
            check(reply)
        except ProtocolError as err:
            exception = err
            # An ERROR reply leaves the stream in step; anything else may not: start afresh.
            if not isinstance(err, ErrorReply):
                self.disconnect()
        except (OSError, ConnectionError) as err:  # socket.timeout is an OSError
            exception = err
            self.disconnect()
        self.environment.events.request.fire(
            request_type=request_type,
            name="kv",
            response_time=(time.perf_counter() - start) * 1000.0,
            response_length=length,
            exception=exception,
            context={},
        )

    # -- tasks -------------------------------------------------------------------------------
    @task(PUT_WEIGHT)
    def put(self):
        key = key_for(random.randrange(KEYS))
        command = f"PUT {key} {value_for(key)}\n".encode("latin-1")

        def check(reply):
            if reply == b"ERROR":
                raise ErrorReply("ERROR reply to PUT")
            if reply != b"OK":
                raise ProtocolError(f"unexpected reply to PUT: {reply[:40]!r}")

        self.call("PUT", command, check)

    @task(GET_WEIGHT)
    def get(self):
        key = key_for(random.randrange(KEYS))
        command = f"GET {key}\n".encode("latin-1")
        expected = value_for(key).encode("latin-1")

        def check(reply):
            if reply == b"ERROR":
                raise ErrorReply("ERROR reply to GET")
            if reply == b"NOTFOUND":
                return
            if not reply or len(reply) > 256:
                raise ProtocolError(f"malformed reply to GET: {reply[:40]!r}")
            if VERIFY and reply != expected:
                raise ProtocolError(f"wrong value for GET: {reply[:40]!r}")

        self.call("GET", command, check)
