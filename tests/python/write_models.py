# -*- coding: utf-8 -*-
"""Writes stats files with the original mmstats 0.8 models.

Usage: write_models.py OUTDIR

Two models: `Every` (derived from MmStats, so it carries the sys fields),
with one or more fields of every field class of 0.8 (some of them from
interop.SharedFields) and the label prefix "py.", and `Bare` (derived from BaseMmStats: no sys fields) with a
non-ASCII label prefix. Values include extremes, wrap-arounds, infinities
and NaN. Prints, as JSON, each file's path and its fields as the original
MmStatsReader reads them back (see interop.py for the value encoding).

Labels are UTF-8 byte strings: given a unicode label, 0.8 stores its length
in characters rather than bytes.
"""
import os
import sys

import mmstats

import interop


class Every(interop.SharedFields, mmstats.MmStats):
    counter_wrap = mmstats.CounterField()
    moving = mmstats.MovingAverageField(size=3, label="moving.avg")
    timer = mmstats.TimerField(timer=interop.FakeClock(interop.TWO_TIMINGS),
                               label="db.timer")
    u32_wrap = mmstats.UIntField()
    i32 = mmstats.IntField()
    temperature = mmstats.IntField(label="température.°C")
    short_wrap = mmstats.ShortField()
    byte_wrap = mmstats.ByteField()
    f32_tiny = mmstats.FloatField()
    f32_nan = mmstats.FloatField()
    f64_max = mmstats.DoubleField()
    f64_neg_zero = mmstats.DoubleField()
    f64_inf = mmstats.DoubleField()
    flag_truthy = mmstats.BoolField()
    name = mmstats.StringField(size=10, label="name.cut")
    user = mmstats.StringField()


class Bare(mmstats.BaseMmStats):
    hits = mmstats.CounterField()
    exact = mmstats.StringField(size=8)
    ratio = mmstats.DoubleField(label="ratio.😀")
    flag = mmstats.BoolField()


def fill_every(stats):
    stats.counter.incr()
    stats.counter.incr(41)
    stats.counter_wrap.incr(3)
    stats.counter_wrap.incr(-5)
    for x in (1.0, 2.5):
        stats.average.add(x)
    interop.write_shared(stats)
    stats.u32_wrap = -1
    stats.i32 = -2 ** 31
    stats.temperature = -40
    stats.short_wrap = 40000
    stats.byte_wrap = 200
    stats.f32_tiny = 1e-45
    stats.f32_nan = float("nan")
    stats.f64_max = 1.7976931348623157e308
    stats.f64_neg_zero = -0.0
    stats.f64_inf = float("-inf")
    stats.flag_truthy = "yes"
    stats.name = u"naïve ☃ café"
    stats.user = "alice"
    stats.user = "bob"


def fill_bare(stats):
    stats.hits.incr(7)
    stats.exact = "exactly8"
    stats.ratio = 0.25
    stats.flag = True


def main(outdir):
    models = [
        ("every", Every, fill_every, "py."),
        ("bare", Bare, fill_bare, "ε."),
    ]
    files = []
    for name, model, fill, prefix in models:
        path = os.path.join(outdir, name + ".mmstats")
        stats = interop.write_model(model, fill, path, prefix)
        files.append({
            "name": name,
            "path": stats.filename,
            "fields": interop.read_file(stats.filename),
        })
    interop.dump({"files": files})


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
