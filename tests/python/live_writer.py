"""Writes one stats file with an mmstats 0.8 model and keeps it open.

Usage: live_writer.py DIR

Creates DIR/py-{PID}.mmstats (a model with the sys fields), prints its
path, then waits until its standard input is closed or it is killed.
"""
import sys

import mmstats


class Job(mmstats.MmStats):
    done = mmstats.CounterField()


stats = Job(path=sys.argv[1], filename="py-{PID}.mmstats")
stats.done.incr(7)
sys.stdout.write(stats.filename + "\n")
sys.stdout.flush()
sys.stdin.read()
