# -*- coding: utf-8 -*-
"""Writes the Python 0.8 fixtures of tests/fixtures/python-mmstats-0.8 with
the original mmstats 0.8.0 under CPython 2.7.

Usage: write_fixtures.py OUTDIR [--sys-from DIR]

For each fixture NAME (all_types, blog_script, edge_cases, empty) writes
into OUTDIR:

- NAME.mmstats: the file the original writer leaves, from the model and
  the writes below;
- NAME.expected.json: every field as the original MmStatsReader reads it
  (label, signature, write buffer, offset, value);
- NAME.slurpstats.py2.txt: what the original slurpstats prints for it,
  run as `slurpstats NAME.mmstats` in OUTDIR;
- NAME.slurpstats.txt: the same with floats printed as the shortest text
  that reads back to the same double (Python 3's `str`), which is how a
  Python 3 port of slurpstats prints them.

Python 2 keeps a class's attributes in a dict, so the original lays out a
model's fields in an arbitrary order. Each model here names its file order
in FILE_ORDER, and `_init_fields` walks the fields in that order; each
field is still laid out and written by the original field classes.

The sys fields (`sys.pid`, `sys.tid`, `sys.uid`, `sys.gid`,
`org.python.version`, `sys.created`) hold this process's values, unless
`--sys-from DIR` gives them the values recorded in DIR's
`*.expected.json`: with the committed fixtures as DIR, every file written
is byte for byte the committed one (tests/python_interop.rs checks it).
"""
import json
import math
import os
import subprocess
import struct
import sys
from collections import OrderedDict

import mmstats
from mmstats.reader import MmStatsReader

import interop

FIXTURES = ["all_types", "blog_script", "edge_cases", "empty"]

# The attribute names of MmStats' sys fields, in the order Python 3 lays
# them out (its dicts keep the definition order), with their labels.
SYS_ORDER = ["pid", "tid", "uid", "gid", "python_version", "created"]
SYS_LABELS = ["sys.pid", "sys.tid", "sys.uid", "sys.gid",
              "org.python.version", "sys.created"]


class FileOrder(object):
    """Lays a model's fields out in FILE_ORDER (attribute names) instead of
    the order of Python 2's dict. List it before the mmstats base class."""
    FILE_ORDER = []

    def _init_fields(self, total_size):
        assert sorted(self.FILE_ORDER) == sorted(self._fields), \
            "FILE_ORDER must name every field of %s" % type(self).__name__
        for name in self.FILE_ORDER:
            state = self._fields[name]
            self._offset = state.field._init(state, self._mm_ptr, self._offset)


def timings(*elapsed):
    """Readings of a fake clock for TimerField that time each of `elapsed`
    exactly (each reading minus 0.0 is the value itself)."""
    readings = []
    for x in elapsed:
        readings.extend([0.0, x])
    return interop.FakeClock(readings)


class AllTypes(FileOrder, mmstats.MmStats):
    """One field of every class, with the sys fields."""
    requests = mmstats.CounterField(label="requests.count")
    average = mmstats.AverageField()
    latency = mmstats.MovingAverageField(size=3, label="latency.moving")
    db_timer = mmstats.TimerField(
        timer=timings(0.1 + 0.2, 0.1 + 0.2, 0.125), label="db.timer")
    big_u64 = mmstats.UInt64Field(label="big.u64")
    u32 = mmstats.UIntField()
    temperature = mmstats.IntField()
    i16 = mmstats.ShortField()
    port = mmstats.UShortField()
    i8 = mmstats.ByteField()
    ratio = mmstats.FloatField(label="ratio.f32")
    static_f32 = mmstats.StaticFloatField(label="static.f32", value=0.1)
    f64 = mmstats.DoubleField()
    static_pi = mmstats.StaticDoubleField(label="static.pi", value=math.pi)
    flag_off = mmstats.BoolField()
    enabled = mmstats.BoolField(initial=True)
    last_name = mmstats.StringField(size=20, label="last.name")
    static_u32 = mmstats.StaticUIntField(label="static.u32", value=2 ** 32 - 1)
    si64 = mmstats.StaticInt64Field(value=-2 ** 63)
    static_u64 = mmstats.StaticUInt64Field(label="static.u64",
                                           value=2 ** 64 - 1)
    build_info = mmstats.StaticTextField(label="build.info",
                                         value="mmstats fixture build 0.8.0")
    FILE_ORDER = [
        "requests", "average", "latency", "db_timer", "big_u64", "u32",
        "temperature", "i16", "port", "i8", "ratio", "static_f32", "f64",
        "static_pi", "flag_off", "enabled", "last_name", "static_u32",
        "si64", "static_u64", "build_info"] + SYS_ORDER


def write_all_types(stats):
    # Each double-buffered field is written so that its other buffer holds
    # a known earlier value: an odd number of writes leaves write_buffer 1.
    stats.requests.incr(100)
    stats.requests.incr(5)
    stats.requests.incr(2 ** 40)
    for x in (1.0, 2.0, 4.0, -0.5):
        stats.average.add(x)
    for x in (1.0, 2.0, 3.0, 4.0, 10.0):
        stats.latency.add(x)
    for _ in range(3):
        with stats.db_timer:
            pass
    stats.big_u64 = 12345
    stats.big_u64 = 2 ** 64 - 1
    stats.u32 = 1
    stats.u32 = 2
    stats.u32 = 3000000000
    stats.temperature = -9001
    stats.temperature = -2 ** 31
    stats.i16 = -32768
    stats.port = 65535
    stats.port = 8080
    stats.i8 = -128
    stats.ratio = 0.5
    stats.ratio = 0.1
    stats.ratio = -0.0025
    stats.f64 = 1e300
    stats.f64 = -1 / 3.0
    stats.last_name = "alice"
    stats.last_name = "bob"


class BlogScript(FileOrder, mmstats.MmStats):
    """The model of the mmstats blog post."""
    done = mmstats.CounterField()
    missing_email = mmstats.CounterField()
    otherdb_timer = mmstats.TimerField(
        timer=timings(0.3699999999999998, 0.3699999999999998,
                      0.3699999999999998, 0.29999999999999716))
    last_user = mmstats.StringField(label="user")
    FILE_ORDER = ["done", "missing_email", "otherdb_timer",
                  "last_user"] + SYS_ORDER


def write_blog_script(stats):
    # 125 users: 113 updated, 12 without an email address; four of the
    # updates timed; the last user "rob" written over "user123".
    for _ in range(113):
        stats.done.incr()
    for _ in range(12):
        stats.missing_email.incr()
    for _ in range(4):
        with stats.otherdb_timer:
            pass
    stats.last_user = "user123"
    stats.last_user = "rob"


# 11,519 bytes with the prefix: a label longer than a page.
LONG_LABEL = "long." + "abcdefghij" * 1151 + "z"


class EdgeCases(FileOrder, mmstats.BaseMmStats):
    """No sys fields; non-ASCII labels (given as UTF-8 byte strings: 0.8
    stores the length of a unicode label in characters, not bytes), cut,
    full, stale and empty strings, wrapped values."""
    temperature = mmstats.IntField(label="température.°C")
    count = mmstats.CounterField(label="统计.计数")
    launches = mmstats.UShortField(label="🚀.launches")
    hearts = mmstats.StringField(size=10)
    bytes_cut = mmstats.StringField(size=7)
    exact_fill = mmstats.StringField(size=8, label="exact.fill")
    stale = mmstats.StringField(size=12)
    empty_str = mmstats.StringField(size=5)
    zero_str = mmstats.StringField(size=0)
    static_text = mmstats.StaticTextField(label="static.text",
                                          value="naïve ☃ text")
    long = mmstats.BoolField(label=LONG_LABEL)
    uint_neg = mmstats.UIntField()
    ushort_neg = mmstats.UShortField()
    u64_neg = mmstats.UInt64Field()
    byte_wrap = mmstats.ByteField()
    byte_neg = mmstats.ByteField()
    short_wrap = mmstats.ShortField()
    int_wrap = mmstats.IntField()
    counter_wrap = mmstats.CounterField()
    truthy = mmstats.BoolField()
    falsy = mmstats.BoolField()
    FILE_ORDER = [
        "temperature", "count", "launches", "hearts", "bytes_cut",
        "exact_fill", "stale", "empty_str", "zero_str", "static_text",
        "long", "uint_neg", "ushort_neg", "u64_neg", "byte_wrap",
        "byte_neg", "short_wrap", "int_wrap", "counter_wrap", "truthy",
        "falsy"]


def write_edge_cases(stats):
    stats.temperature = -40
    stats.count.incr(7)
    stats.launches = 3
    # Unicode is cut to the whole characters that fit; bytes are cut as
    # they are, in the middle of a character.
    stats.hearts = u"❤" * 11
    stats.bytes_cut = "❤❤❤"
    stats.exact_fill = "exactly8"
    stats.stale = "longer value"
    stats.stale = "short"
    stats.long = True
    # Out-of-range values wrap into the field's type.
    stats.uint_neg = -100
    stats.ushort_neg = -2
    stats.u64_neg = -1
    stats.byte_wrap = 200
    stats.byte_neg = -1
    stats.short_wrap = 40000
    stats.int_wrap = 2 ** 31
    stats.counter_wrap.incr(3)
    stats.counter_wrap.incr(-5)
    stats.truthy = "yes"
    stats.falsy = []


class Empty(FileOrder, mmstats.BaseMmStats):
    """No fields at all."""


MODELS = {
    "all_types": (AllTypes, write_all_types, "fixture."),
    "blog_script": (BlogScript, write_blog_script, ""),
    "edge_cases": (EdgeCases, write_edge_cases, "ε."),
    "empty": (Empty, lambda stats: None, ""),
}


def pin_sys_fields(fixtures_dir):
    """Gives MmStats' sys fields the values recorded in fixtures_dir (the
    same in every fixture: the original resolves them once per process)."""
    expected = os.path.join(fixtures_dir, "all_types.expected.json")
    with open(expected) as f:
        fields = json.load(f)["fields"]
    values = {}
    for field in fields:
        for label in SYS_LABELS:
            if field["label"].endswith("." + label):
                values[label] = field["value"]
    for name, label in zip(SYS_ORDER, SYS_LABELS):
        value = values[label]
        if isinstance(value, unicode):
            value = value.encode("utf8")
        getattr(mmstats.MmStats, name).value = value


def header(data, offset):
    """The signature and write buffer of the field record at `offset`."""
    (label_len,) = struct.unpack_from("H", data, offset)
    at = offset + 2 + label_len
    (sig_len,) = struct.unpack_from("H", data, at)
    signature = data[at + 2:at + 2 + sig_len]
    write_buffer = ord(data[at + 2 + sig_len])
    return signature, write_buffer


def json_value(value):
    if isinstance(value, float):
        # repr is the shortest text that reads back to the same double.
        return json.loads(repr(value))
    return value


def expected_json(path):
    """What the original reader reads from `path`, with each record's
    offset, signature and write buffer."""
    with open(path, "rb") as f:
        data = f.read()
    fields = []
    with open(path, "rb") as f:
        reader = iter(MmStatsReader(f))
        while True:
            offset = f.tell()
            try:
                label, value = next(reader)
            except StopIteration:
                break
            signature, write_buffer = header(data, offset)
            fields.append(OrderedDict([
                ("label", label),
                ("type", signature),
                ("write_buffer", write_buffer),
                ("offset", offset),
                ("value", json_value(value)),
            ]))
    document = OrderedDict([
        ("version", 1), ("size", len(data)), ("fields", fields)])
    text = json.dumps(document, indent=2, separators=(",", ": "),
                      ensure_ascii=False)
    if not isinstance(text, unicode):
        text = text.decode("utf8")
    return text + u"\n"


def slurp_py3_floats(name, path):
    """The original slurp_stats' output for one file, floats printed the
    way Python 3's str prints them."""
    with open(path, "rb") as f:
        stats = list(MmStatsReader(f))
    width = max([len(label) for label, _ in stats] + [0])
    lines = [u"==> %s" % name]
    for label, value in stats:
        text = repr(value) if isinstance(value, float) else unicode(value)
        lines.append((u"  %-" + str(width) + u"s %s") % (label, text))
    lines.append(u"")
    return u"\n".join(lines) + u"\n"


def write_text(path, text):
    with open(path, "wb") as f:
        f.write(text.encode("utf8"))


def run_slurpstats(outdir, name):
    """The original slurpstats, as a command, on OUTDIR/NAME."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    code = "import sys; from mmstats import slurpstats; " \
           "sys.argv = ['slurpstats', %r]; slurpstats.main()" % name
    return subprocess.check_output([sys.executable, "-c", code],
                                   cwd=outdir, env=env)


def main(args):
    outdir = os.path.abspath(args[0])
    if len(args) == 3 and args[1] == "--sys-from":
        pin_sys_fields(args[2])
    elif len(args) != 1:
        sys.exit(__doc__)
    if not os.path.isdir(outdir):
        os.makedirs(outdir)
    for fixture in FIXTURES:
        model, write, prefix = MODELS[fixture]
        name = fixture + ".mmstats"
        path = os.path.join(outdir, name)
        if os.path.exists(path):
            os.remove(path)
        stats = model(path=outdir, filename=name, label_prefix=prefix)
        write(stats)
        stats.flush()
        # The original creates its files executable (0777 minus the umask).
        os.chmod(path, 0o644)
        base = os.path.join(outdir, fixture)
        write_text(base + ".expected.json", expected_json(path))
        write_text(base + ".slurpstats.txt", slurp_py3_floats(name, path))
        slurped = run_slurpstats(outdir, name)
        with open(base + ".slurpstats.py2.txt", "wb") as f:
            f.write(slurped)


if __name__ == "__main__":
    main(sys.argv[1:])
