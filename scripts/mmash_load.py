#!/usr/bin/env python3
"""A bounded load on mmash over loopback: many clients fetching one endpoint
in a loop, a Prometheus-like scrape of /metrics every few seconds, and
mmash's memory and threads sampled throughout.

    scripts/mmash_load.py [--files 1000] [--clients 400] [--seconds 60]
                          [--endpoint /api/snapshot] [--check]
    scripts/mmash_load.py --dense 16777216

With --dense BYTES it instead writes one file of that size packed with
one-byte fields (what a broken or hostile writer could leave), scrapes
/metrics once and prints the answer's size, its time and mmash's peak
resident memory.

Builds the release binaries it needs (mmash, the populate example), writes
FILES stats files of 50 fields into a temporary directory, starts mmash on
a free port of 127.0.0.1 and runs CLIENTS clients for SECONDS seconds; each
sends a request, reads the whole answer and starts again. Prints the
answers by status, the scrape latencies, mmash's peak resident memory
(VmHWM) and its most threads. With --check, exits 1 unless every answer
was a 200 or a 503 with Retry-After, every scrape was answered 200 within
5 s, and the peak memory stayed under 256 MiB.

Only loopback is used; every loop stops at the deadline.
"""
import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build():
    subprocess.run(
        ["cargo", "build", "--quiet", "--release", "--bin", "mmash",
         "--example", "populate"],
        cwd=ROOT, check=True)
    release = os.path.join(ROOT, "target", "release")
    return (os.path.join(release, "mmash"),
            os.path.join(release, "examples", "populate"))


async def fetch(host, port, target):
    """One GET on a new connection: (status, has Retry-After, bytes)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                      % (target, host, port)).encode())
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else 0
    retry_after = any(line.lower().startswith(b"retry-after:") for line in lines[1:])
    return status, retry_after, len(body)


async def client(host, port, target, deadline, results):
    while time.monotonic() < deadline:
        try:
            status, retry_after, _ = await fetch(host, port, target)
            key = "503 with Retry-After" if status == 503 and retry_after else str(status)
        except (OSError, IndexError, ValueError) as e:
            key = "failed: %s" % type(e).__name__
            await asyncio.sleep(0.05)
        results[key] = results.get(key, 0) + 1


async def scraper(host, port, deadline, every, latencies):
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            status, _, size = await fetch(host, port, "/metrics")
        except OSError as e:
            status, size = "failed: %s" % type(e).__name__, 0
        latencies.append((time.monotonic() - start, status, size))
        await asyncio.sleep(max(0.0, every - (time.monotonic() - start)))


def proc_status(pid):
    values = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            values[key] = value.split()[0] if value.split() else ""
    return values


async def monitor(pid, deadline, peaks):
    while time.monotonic() < deadline:
        try:
            status = proc_status(pid)
        except OSError:
            return
        peaks["threads"] = max(peaks.get("threads", 0), int(status["Threads"]))
        peaks["hwm_kib"] = int(status["VmHWM"])
        await asyncio.sleep(0.2)


async def run(args, host, port, pid):
    deadline = time.monotonic() + args.seconds
    results, latencies, peaks = {}, [], {}
    tasks = [client(host, port, args.endpoint, deadline, results)
             for _ in range(args.clients)]
    tasks.append(scraper(host, port, deadline, args.scrape_every, latencies))
    tasks.append(monitor(pid, deadline + 1.0, peaks))
    await asyncio.gather(*tasks)
    return results, latencies, peaks


def dense_file(path, size):
    """A file of `size` bytes holding as many one-byte fields as fit."""
    import struct
    out = bytearray(b"\x01")
    i = 0
    while True:
        label = ("f%d" % i).encode()
        record = (struct.pack("H", len(label)) + label + struct.pack("H", 1)
                  + b"B" + bytes([255, 1]))
        if len(out) + len(record) + 2 > size:
            break
        out += record
        i += 1
    out += bytes(size - len(out))
    with open(path, "wb") as f:
        f.write(out)
    return i


def run_dense(mmash, size):
    with tempfile.TemporaryDirectory(prefix="mmash-dense-") as stats:
        fields = dense_file(os.path.join(stats, "dense.mmstats"), size)
        server = subprocess.Popen(
            [mmash, "--bind", "127.0.0.1:0", "--glob", os.path.join(stats, "*.mmstats")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = server.stdout.readline().strip()
            host, port = line.removeprefix("listening on http://").rstrip("/").rsplit(":", 1)
            start = time.monotonic()
            status, _, body = asyncio.run(fetch(host, int(port), "/metrics"))
            took = time.monotonic() - start
            hwm = int(proc_status(server.pid)["VmHWM"])
        finally:
            server.kill()
            server.communicate()
    print("mmash /metrics over one %d-byte file of %d one-byte fields: status %d, "
          "%.1f MB in %.2f s, peak RSS %.1f MiB"
          % (size, fields, status, body / 1e6, took, hwm / 1024))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--endpoint", default="/api/snapshot")
    parser.add_argument("--scrape-every", type=float, default=5.0)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--dense", type=int, metavar="BYTES")
    args = parser.parse_args()

    mmash, populate = build()
    if args.dense:
        run_dense(mmash, args.dense)
        return
    with tempfile.TemporaryDirectory(prefix="mmash-load-") as stats:
        subprocess.run([populate, stats, str(args.files)], check=True,
                       stdout=subprocess.DEVNULL)
        server = subprocess.Popen(
            [mmash, "--bind", "127.0.0.1:0", "--glob", os.path.join(stats, "*.mmstats")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = server.stdout.readline().strip()
            address = line.removeprefix("listening on http://").rstrip("/")
            host, port = address.rsplit(":", 1)
            results, latencies, peaks = asyncio.run(
                run(args, host, int(port), server.pid))
        finally:
            server.kill()
            _, err = server.communicate()

    print("mmash over %d files of 50 fields, %d clients on %s for %g s"
          % (args.files, args.clients, args.endpoint, args.seconds))
    for key in sorted(results):
        print("  answers %-22s %d" % (key, results[key]))
    slowest = max((l for l, _, _ in latencies), default=0.0)
    statuses = sorted({str(s) for _, s, _ in latencies})
    print("  /metrics scrapes       %d, statuses %s, slowest %.3f s, median %.3f s"
          % (len(latencies), ",".join(statuses), slowest,
             sorted(l for l, _, _ in latencies)[len(latencies) // 2] if latencies else 0.0))
    print("  peak RSS               %.1f MiB" % (peaks.get("hwm_kib", 0) / 1024))
    print("  most threads           %d" % peaks.get("threads", 0))
    log = [l for l in err.splitlines() if l.strip()]
    if log:
        print("  mmash's log            %s" % (log[0] if len(log) == 1 else
                                               "%s (+%d more lines)" % (log[0], len(log) - 1)))
    if args.check:
        bad = [k for k in results if k not in ("200", "503 with Retry-After")]
        problems = []
        if bad:
            problems.append("answers other than 200 and 503: %s" % bad)
        if any(s != 200 for _, s, _ in latencies):
            problems.append("a scrape was not answered 200")
        if slowest > 5.0:
            problems.append("a scrape took %.1f s" % slowest)
        if peaks.get("hwm_kib", 0) >= 256 * 1024:
            problems.append("peak RSS %.0f MiB" % (peaks["hwm_kib"] / 1024))
        if problems:
            print("CHECK FAILED: " + "; ".join(problems))
            sys.exit(1)
        print("check passed")


if __name__ == "__main__":
    main()
