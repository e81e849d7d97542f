# -*- coding: utf-8 -*-
"""Helpers shared by the interop scripts: a fake clock for TimerField, the
fields their models share, writing a model's file, and the fields of a file
as the original mmstats 0.8 reader reads them, encoded for JSON so that
they survive the trip exactly.

Every value becomes a one-key object naming its Python type:
``{"int": "18446744073709551615"}`` (decimal text, any size),
``{"float": "0.1"}`` (``repr``, which round-trips, and also covers ``inf``
and ``nan``), ``{"bool": true}`` and ``{"str": u"..."}``.
"""
import json
import math
import os
import sys

import mmstats
from mmstats.reader import MmStatsReader


class FakeClock(object):
    """A clock for TimerField(timer=...) that returns the given times in
    turn."""

    def __init__(self, times):
        self._times = list(times)

    def __call__(self):
        return self._times.pop(0)


# The readings of a fake clock that time 0.25 s, then 0.5 s.
TWO_TIMINGS = [100.0, 100.25, 200.0, 200.5]


class SharedFields(object):
    """Fields declared alike by the models of write_models.py and
    write_for_bytes.py: a counter, an average, gauges, bools, and one static
    field of every class. A model lists this class before its mmstats base
    class, and gets these fields besides its own."""
    counter = mmstats.CounterField()
    average = mmstats.AverageField()
    u64 = mmstats.UInt64Field()
    i16 = mmstats.ShortField()
    u16 = mmstats.UShortField()
    i8 = mmstats.ByteField()
    f32 = mmstats.FloatField()
    f64 = mmstats.DoubleField()
    flag_off = mmstats.BoolField()
    flag_on = mmstats.BoolField(initial=True)
    s_u32 = mmstats.StaticUIntField(value=2 ** 32 - 1)
    s_i64 = mmstats.StaticInt64Field(value=-2 ** 63)
    s_u64 = mmstats.StaticUInt64Field(value=2 ** 64 - 1)
    s_f32 = mmstats.StaticFloatField(value=0.1)
    s_f64 = mmstats.StaticDoubleField(value=math.pi)
    s_text = mmstats.StaticTextField(value="static ☃")


def write_shared(stats):
    """Writes the values both scripts give the gauges of SharedFields, and
    the samples they give the `moving` (a MovingAverageField of size 3) and
    `timer` (a TimerField on FakeClock(TWO_TIMINGS)) each model declares
    with its own label."""
    for x in (1.0, 2.0, 3.0, 10.0):
        stats.moving.add(x)
    for _ in range(2):
        with stats.timer:
            pass
    stats.u64 = 2 ** 64 - 1
    stats.i16 = -32768
    stats.u16 = 65535
    stats.i8 = -128
    stats.f32 = 0.1
    stats.f64 = -1 / 3.0


def write_model(model, write, path, label_prefix):
    """Creates an instance of `model` writing the file `path`, with
    `label_prefix`; gives it its values with `write(stats)`, flushes it and
    returns it."""
    stats = model(path=os.path.dirname(path),
                  filename=os.path.basename(path),
                  label_prefix=label_prefix)
    write(stats)
    stats.flush()
    return stats


def encode(value):
    """One value as the reader returned it, tagged with its type."""
    # bool first: it is a subclass of int.
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, (int, long)):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, unicode):
        return {"str": value}
    raise TypeError("unexpected value %r" % (value,))


def read_file(path):
    """Every field of a file, in file order, as [label, encoded value]."""
    return [[label, encode(value)]
            for label, value in MmStatsReader.from_file(path)]


def dump(document):
    """Prints a document as JSON on stdout."""
    json.dump(document, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
