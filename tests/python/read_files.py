# -*- coding: utf-8 -*-
"""Reads stats files with the original mmstats 0.8 reader.

Usage: read_files.py FILE...

Prints {path: [[label, value], ...]} as JSON, values encoded as in interop.py.
"""
import sys

import interop


def main(paths):
    interop.dump(dict((path, interop.read_file(path)) for path in paths))


if __name__ == "__main__":
    main(sys.argv[1:])
