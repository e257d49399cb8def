"""CPython multiprocessing anchors for bench/run.ts.

Usage: python3 bench/python/bench.py <map|dispatch|cpu|start> [reps] [map1]
(dispatch with map1: only the chunksize-1 map, for bench/run.ts --quick)
Prints one JSON line on stdout: {"samples": {name: [numbers]}, "errors": {}, ...}.
Times are milliseconds (time.perf_counter).
"""
import json
import multiprocessing as mp
import multiprocessing.pool  # noqa: F401  (import cost outside the timed region)
import statistics
import sys
import time


def double(x):
    return x * 2


def spin(n):
    x = 0
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
    return x


def now():
    return time.perf_counter() * 1000.0


def bench_map(reps):
    xs = list(range(200_000))
    total, map_only = [], []
    for _ in range(3):  # total: Pool(2) start + one map
        t0 = now()
        pool = mp.Pool(2)
        pool.map(double, xs)
        total.append(now() - t0)
        pool.close()
        pool.join()
    pool = mp.Pool(2)
    pool.map(double, range(1000))  # warm-up: workers up
    for _ in range(reps):
        t0 = now()
        r = pool.map(double, xs)
        map_only.append(now() - t0)
        assert r[-1] == 399_998
    pool.close()
    pool.join()
    return {"py_map_ms": map_only, "py_map_total_ms": total}


def bench_dispatch(reps, only=None):
    n = 20_000
    apply_async, map1 = [], []
    with mp.Pool(2) as pool:
        pool.map(double, range(1000), chunksize=1)
        for _ in range(reps):
            if only != "map1":
                t0 = now()
                rs = [pool.apply_async(double, (i,)) for i in range(n)]
                out = [r.get() for r in rs]
                apply_async.append(now() - t0)
                assert out[-1] == 2 * (n - 1)
            t0 = now()
            out = pool.map(double, range(n), chunksize=1)
            map1.append(now() - t0)
            assert out[-1] == 2 * (n - 1)
    res = {"py_map_chunk1_ms": map1}
    if apply_async:
        res["py_apply_async_ms"] = apply_async
    return res


def calibrate(ms):
    n = 20_000
    while True:
        t0 = now()
        spin(n)
        dt = now() - t0
        if dt > 5:
            ts = []
            for _ in range(5):
                a = now()
                spin(n)
                ts.append(now() - a)
            return round(n * ms / statistics.median(ts))
        n *= 4


def bench_cpu(reps):
    n = calibrate(20)
    tasks = [n] * 40
    out = {"py_cpu_1_ms": [], "py_cpu_2_ms": []}
    pools = {w: mp.Pool(w) for w in (1, 2)}
    try:
        for w, pool in pools.items():
            pool.map(spin, [n // 4] * (4 * w), chunksize=1)
        for _ in range(reps):  # alternate Pool(1) and Pool(2), as bench/mp/cpu.ts does
            for w, pool in pools.items():
                t0 = now()
                pool.map(spin, tasks, chunksize=1)
                out[f"py_cpu_{w}_ms"].append(now() - t0)
    finally:
        for pool in pools.values():
            pool.terminate()
            pool.join()
    return out, {"py_spin_n": n}


def bench_start(reps):
    ctx = mp.get_context("spawn")
    cold, warm = [], []
    for i in range(1 + reps):
        t0 = now()
        pool = ctx.Pool(2)
        r = pool.apply(double, (1,))
        dt = now() - t0
        assert r == 2
        (cold if i == 0 else warm).append(dt)
        pool.terminate()
        pool.join()
    return {"py_start_cold_ms": cold, "py_start_warm_ms": warm}


if __name__ == "__main__":
    what = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    extra = {}
    try:
        if what == "dispatch":
            res = bench_dispatch(reps, sys.argv[3] if len(sys.argv) > 3 else None)
        else:
            res = {"map": bench_map, "cpu": bench_cpu, "start": bench_start}[what](reps)
        if isinstance(res, tuple):
            res, extra = res
        out = {"samples": res, "errors": {}, **extra}
    except Exception as e:  # report, do not crash the runner
        out = {"samples": {}, "errors": {what: f"{type(e).__name__}: {e}"}}
    out["python"] = sys.version.split()[0]
    out["start_method"] = "spawn" if what == "start" else mp.get_start_method()
    print(json.dumps(out), flush=True)
