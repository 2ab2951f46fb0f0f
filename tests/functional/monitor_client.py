"""Clients for mimic's monitors on unix sockets, shared by the functional tests:
HMP (the human monitor: a command line in, its output up to the next prompt back)
and QMP (JSON messages, with the events that arrive meanwhile kept aside)."""
import json
import socket
import time


def connect_unix(path, timeout=10, connect_within=10):
    """A socket connected to path once the emulator listens there (it may still be
    starting), with timeout for every later read."""
    deadline = time.monotonic() + connect_within
    while True:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(str(path))
            s.settimeout(timeout)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class HMP:
    """The human monitor on a unix socket (mimic's, or QEMU's when a test runs
    against it as the oracle)."""

    PROMPTS = (b"(mimic) ", b"(qemu) ")

    def __init__(self, path, timeout=10):
        self.sock = connect_unix(path, timeout, connect_within=timeout)
        self._until_prompt()

    def _until_prompt(self):
        """What the monitor sent up to its next prompt, the prompt left out."""
        buf = b""
        while not buf.endswith(self.PROMPTS):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"monitor closed; got {buf!r}")
            buf += chunk
        return buf[: buf.rindex(b"(")].decode(errors="replace")

    def cmd(self, line):
        """The command's output, without the echoed command line and the prompt."""
        self.sock.sendall(line.encode() + b"\n")
        out = self._until_prompt()
        return "\n".join(out.replace("\r", "").split("\n")[1:])

    def close(self):
        self.sock.close()


class QMP:
    """One QMP client on a unix socket; events that arrive meanwhile are kept."""

    def __init__(self, path, negotiate=True, timeout=10):
        self.sock = connect_unix(path, timeout, connect_within=5)
        self.buf = b""
        self.events = []
        self.greeting = self.read()
        if negotiate:
            assert self.cmd("qmp_capabilities") == {"return": {}}

    def read(self):
        """The next message (one JSON value; pretty output spans lines)."""
        decoder = json.JSONDecoder()
        while True:
            text = self.buf.decode(errors="replace").lstrip()
            if text:
                try:
                    msg, end = decoder.raw_decode(text)
                    self.buf = text[end:].encode()
                    return msg
                except json.JSONDecodeError:
                    pass
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"QMP connection closed; pending {self.buf[:200]!r}")
            self.buf += chunk

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else json.dumps(data).encode())

    def reply(self):
        while True:
            msg = self.read()
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def cmd(self, name, args=None, **extra):
        msg = {"execute": name, **extra}
        if args is not None:
            msg["arguments"] = args
        self.send(msg)
        return self.reply()

    def ok(self, name, args=None):
        r = self.cmd(name, args)
        assert "return" in r, r
        return r["return"]

    def error(self, name, args=None, cls="GenericError"):
        r = self.cmd(name, args)
        assert "error" in r, r
        assert r["error"]["class"] == cls, r
        assert r["error"]["desc"], r
        return r["error"]["desc"]

    def wait_event(self, name, timeout=10):
        deadline = time.time() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            if time.time() > deadline:
                raise AssertionError(f"no {name} event; got {self.events}")
            msg = self.read()
            assert "event" in msg, f"unexpected reply while waiting for {name}: {msg}"
            self.events.append(msg)

    def close(self):
        self.sock.close()
