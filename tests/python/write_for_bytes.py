# -*- coding: utf-8 -*-
"""Writes one stats file with the original mmstats 0.8, for a byte-for-byte
comparison with the same model written by mmstats-rs in its python-exact
layout.

Usage: write_for_bytes.py FILE

A BaseMmStats model (no sys fields, whose values depend on the process)
with the label prefix "live." and one field of every class, given fixed
values in a fixed order. The timer runs on a fake clock. Python 2 lays the
fields out in an arbitrary order, so the comparison is by label; prints the
labels in file order.

Keep the model (with the fields of interop.SharedFields) and the writes in
step with `Live` and `write_live` in python_interop.rs.
"""
import os
import sys

import mmstats

import interop


def awkward_samples(n):
    """Floats of mixed signs and magnitudes, from arithmetic that any IEEE
    754 implementation does alike, so that moving sums need exact
    rounding."""
    samples = []
    for k in range(1, n + 1):
        x = k * 0.1
        x = x * x * x
        if k % 2:
            x = -x
        if k % 7 == 0:
            x += 1e16
        if k % 11 == 0:
            x -= 1e16
        samples.append(x)
    return samples


SAMPLES = awkward_samples(250)


def clock_for(elapsed):
    """Clock readings for TimerField that time each of `elapsed` exactly."""
    times = []
    for x in elapsed:
        times.extend([0.0, x])
    return times


class Live(interop.SharedFields, mmstats.BaseMmStats):
    moving = mmstats.MovingAverageField(size=3)
    timer = mmstats.TimerField(timer=interop.FakeClock(interop.TWO_TIMINGS))
    average_long = mmstats.AverageField()
    moving_long = mmstats.MovingAverageField(size=7)
    timer_long = mmstats.TimerField(
        timer=interop.FakeClock(clock_for(SAMPLES)))
    u32 = mmstats.UIntField()
    i32 = mmstats.IntField(label="température.°C")
    flag_cleared = mmstats.BoolField(initial=True)
    user = mmstats.StringField(size=12)
    text = mmstats.StringField()
    cleared = mmstats.StringField(size=5)


def write(stats):
    stats.counter.incr()
    stats.counter.incr(5)
    stats.counter.incr(-10)
    for x in (1.0, 2.0, 4.0):
        stats.average.add(x)
    stats.u64 = 1
    interop.write_shared(stats)
    stats.u16 = 1
    stats.f32 = 3.5
    for x in SAMPLES:
        stats.average_long.add(x)
        stats.moving_long.add(x)
        with stats.timer_long:
            pass
    stats.u32 = -1
    stats.i32 = 7
    stats.i32 = -2 ** 31
    stats.i32 = -40
    stats.flag_cleared = False
    stats.user = "alice wonder"
    stats.user = "bob"
    stats.text = u"naïve ☃ café"
    stats.cleared = "hello"
    stats.cleared = ""


def main(path):
    interop.write_model(Live, write, path, "live.")
    interop.dump([label for label, _ in interop.read_file(path)])


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
