"""The compact protocol's typed encoding, written from spec/compact.md and
spec/compact_opcodes.tsv alone (no server or client source was read).

Requests are sequences of one-byte opcodes whose range says what parameter
follows (section 2); replies use the same encoding and end with OK (0x00) or
STATUS (0x20 u8) (section 4). Every multi-byte integer is big-endian.
"""

import os
import struct

SPEC_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                         "spec"))
TABLE_PATH = os.path.join(SPEC_DIR, "compact_opcodes.tsv")


class FramingError(Exception):
    """A reply stream that cannot be parsed further."""


def param_type(code):
    """The parameter type an opcode's range implies (section 2)."""
    if code < 0x20:
        return "none"
    if code < 0x40:
        return "u8"
    if code < 0x60:
        return "u32"
    if code < 0x80:
        return "str8"
    if code < 0xA0:
        return "str32"
    if code < 0xC0:
        return "u64"
    if code < 0xFF:
        return "reserved"
    return "escape"


def load_table(path=TABLE_PATH):
    """{kind: {name: (code, param, regs)}} from the opcode table (regs: the
    registers an opcode sets or an action requires)."""
    table = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            kind, name, code, param, regs, _reads, _summary = \
                line.split("\t")
            code = int(code, 16)
            if param_type(code) != param:
                raise ValueError(f"{name}: code {code:#x} is not in the "
                                 f"{param} range")
            table.setdefault(kind, {})[name] = (code, param, regs)
    return table


TABLE = load_table()


def _codes(kind):
    return {name: code for name, (code, _p, _r) in TABLE[kind].items()}


CONTROL = _codes("control")
FLAG = _codes("flag")
ACTION = _codes("action")
REGISTER = _codes("register")
FIELD = _codes("field")
END = _codes("end")
STATUS = {code: name for name, (code, _p, _r) in TABLE["status"].items()}
STATUS_CODE = {name: code for code, name in STATUS.items()}
FIELD_NAME = {code: name for name, code in FIELD.items()}
# Required registers per action, as the table lists them.
REQUIRED = {name: (regs.split("|") if regs != "-" else [])
            for name, (_c, _p, regs) in TABLE["action"].items()}

KNOWN_REQUEST_CODES = set(CONTROL.values()) | set(FLAG.values()) | \
    set(ACTION.values()) | set(REGISTER.values())


def encode(code, value=None):
    """One opcode with the parameter its range implies."""
    kind = param_type(code)
    if kind == "none":
        return bytes([code])
    if kind == "u8":
        return bytes([code, value & 0xFF])
    if kind == "u32":
        return bytes([code]) + struct.pack(">I", value & 0xFFFFFFFF)
    if kind == "str8":
        if len(value) > 255:
            raise ValueError("str8 longer than 255 bytes")
        return bytes([code, len(value)]) + bytes(value)
    if kind == "str32":
        return bytes([code]) + struct.pack(">I", len(value)) + bytes(value)
    if kind == "u64":
        return bytes([code]) + struct.pack(">Q", value & 0xFFFFFFFFFFFFFFFF)
    raise ValueError(f"opcode {code:#x} has no defined parameter")


def encode_extended(code, value=None):
    """0xFF then an opcode of the extended table (same range rules)."""
    return b"\xff" + encode(code, value)


def unknown_opcode(rng):
    """A random opcode this version of the spec does not define, in one of
    the skippable ranges (32-191, in the base or the extended table), with
    a parameter. (Unknown opcodes without a parameter are unknown actions,
    which GO refuses: the conformance vectors cover them.) Returns its
    bytes."""
    while True:
        extended = rng.random() < 0.2
        code = rng.randrange(0x20, 0xC0)
        if not extended and code in KNOWN_REQUEST_CODES:
            continue
        kind = param_type(code)
        if kind == "none":
            value = None
        elif kind in ("u8", "u32", "u64"):
            value = rng.getrandbits(64)
        elif kind == "str8":
            value = rng.randbytes(rng.choice([0, 1, 2, 7, 255]))
        else:
            value = rng.randbytes(rng.choice([0, 1, 5, 300]))
        return encode_extended(code, value) if extended else encode(code, value)


class Reply:
    """One decoded reply: its fields in order, the end status, raw bytes."""

    __slots__ = ("fields", "status", "raw")

    def __init__(self, fields, status, raw):
        self.fields = fields      # [(name, value)], unknown fields as "?0xNN"
        self.status = status      # 0 for the OK end, else the STATUS code
        self.raw = raw

    def get(self, name, default=None):
        for n, v in self.fields:
            if n == name:
                return v
        return default

    def count(self, name):
        return sum(1 for n, _ in self.fields if n == name)

    def names(self):
        return [n for n, _ in self.fields]

    def status_name(self):
        return STATUS.get(self.status, f"status{self.status}")

    def describe(self, limit=64):
        parts = []
        for n, v in self.fields:
            if isinstance(v, (bytes, bytearray)):
                parts.append(f"{n}={short_bytes(v, limit)}")
            else:
                parts.append(f"{n}={v}")
        parts.append("OK" if self.status == 0 else
                     f"STATUS {self.status_name()}")
        return " ".join(parts)


def short_bytes(b, limit=64):
    b = bytes(b)
    if len(b) <= limit:
        return repr(b)
    import hashlib
    return (f"<{len(b)} bytes {b[:limit // 2]!r}... "
            f"sha1 {hashlib.sha1(b).hexdigest()[:10]}>")


def short_hex(b, limit=200):
    b = bytes(b)
    if len(b) <= limit:
        return b.hex(" ")
    return (b[:limit // 2].hex(" ") + f" ...({len(b) - limit} bytes)... " +
            b[-limit // 2:].hex(" "))


class ReplyDecoder:
    """Incremental decoder of a reply stream, over any chunking."""

    def __init__(self):
        self.buf = bytearray()
        self.pos = 0
        self.fields = []
        self.start = 0

    def feed(self, data):
        """Adds bytes; returns the replies they complete."""
        self.buf += data
        out = []
        buf = self.buf
        while True:
            p = self.pos
            if p >= len(buf):
                break
            code = buf[p]
            ext = False
            if code == 0xFF:
                if p + 1 >= len(buf):
                    break
                code = buf[p + 1]
                ext = True
                if code == 0xFF or param_type(code) == "reserved":
                    raise FramingError(f"escaped reserved opcode {code:#x} "
                                       f"in a reply")
                p += 1
            kind = param_type(code)
            if kind == "reserved":
                raise FramingError(f"reserved opcode {code:#x} in a reply")
            q = p + 1
            if kind == "none":
                value = None
            elif kind == "u8":
                if q + 1 > len(buf):
                    break
                value = buf[q]
                q += 1
            elif kind == "u32":
                if q + 4 > len(buf):
                    break
                value = struct.unpack_from(">I", buf, q)[0]
                q += 4
            elif kind == "u64":
                if q + 8 > len(buf):
                    break
                value = struct.unpack_from(">Q", buf, q)[0]
                q += 8
            elif kind == "str8":
                if q + 1 > len(buf):
                    break
                n = buf[q]
                if q + 1 + n > len(buf):
                    break
                value = bytes(buf[q + 1:q + 1 + n])
                q += 1 + n
            else:  # str32
                if q + 4 > len(buf):
                    break
                n = struct.unpack_from(">I", buf, q)[0]
                if q + 4 + n > len(buf):
                    break
                value = bytes(buf[q + 4:q + 4 + n])
                q += 4 + n
            self.pos = q
            if not ext and code == END["OK"]:
                out.append(Reply(self.fields, 0, bytes(buf[self.start:q])))
                self.fields = []
                self.start = q
            elif not ext and code == END["STATUS"]:
                out.append(Reply(self.fields, value,
                                 bytes(buf[self.start:q])))
                self.fields = []
                self.start = q
            else:
                name = (FIELD_NAME.get(code, f"?{code:#04x}") if not ext
                        else f"?ext{code:#04x}")
                self.fields.append((name, value))
        if self.start > (1 << 20):
            del self.buf[:self.start]
            self.pos -= self.start
            self.start = 0
        return out

    def pending(self):
        """Bytes of an unfinished reply."""
        return len(self.buf) - self.start


REQUEST_NAME = {}
for _kind in ("control", "flag", "action", "register"):
    for _name, (_code, _p, _r) in TABLE[_kind].items():
        REQUEST_NAME[_code] = _name


def disassemble(data, limit=40):
    """A request stream as opcode names (for reports)."""
    out = []
    p = 0
    n = len(data)
    while p < n:
        code = data[p]
        ext = code == 0xFF
        if ext:
            if p + 1 >= n:
                out.append("FF<incomplete>")
                break
            p += 1
            code = data[p]
        kind = param_type(code)
        name = (f"ext{code:#04x}" if ext else
                REQUEST_NAME.get(code, f"unknown{code:#04x}"))
        q = p + 1
        if kind in ("reserved", "escape"):
            out.append(name + "<reserved>")
            break
        if kind == "none":
            out.append(name)
        elif kind in ("u8", "u32", "u64"):
            size = {"u8": 1, "u32": 4, "u64": 8}[kind]
            out.append(f"{name}({int.from_bytes(data[q:q + size], 'big')})")
            q += size
        else:
            size = 1 if kind == "str8" else 4
            ln = int.from_bytes(data[q:q + size], "big")
            q += size
            out.append(f"{name}({short_bytes(data[q:q + ln], limit)})")
            q += ln
        p = q
    return " ".join(out)
