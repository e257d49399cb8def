"""CPython anchors of the shared-object figures (7-10) for bench/run.ts.

Usage: python3 bench/python/shared.py <queue|dict|sync> [reps] [n...]
Prints one JSON line on stdout: {"samples": {name: [numbers]}, "errors": {}, ...}.
Every child is started with the spawn start method (as multiproc starts a fresh Node) and
takes its orders over a Pipe, as the Node children in bench/shared-tasks.ts do:
  queue  child puts n small ints / n bytes objects of 65,536 B into a multiprocessing.Queue,
         the parent gets them: py_queue_ints_per_s (items/s), py_queue_64k_mb_s (MB/s, 1e6 B)
  dict   child sets d[i % 100] = i for i < n on a Manager().dict() proxy: py_dict_ops_per_s
  sync   (reference) child times n x (lock.acquire(); lock.release()): py_lock_pair_us;
         parent sets an Event the child waits on, child answers on a Pipe: py_event_wake_us
"""
import json
import multiprocessing as mp
import sys
import time

BLOB = 65_536


def now():
    return time.perf_counter() * 1000.0


def queue_producer(q, conn, size):
    blob = bytes([0x5A]) * size if size else None
    while True:
        n = conn.recv()
        if n is None:
            break
        if blob is not None:
            for _ in range(n):
                q.put(blob)
        else:
            for i in range(n):
                q.put(i)


def dict_setter(d, conn):
    while True:
        n = conn.recv()
        if n is None:
            break
        for i in range(n):
            d[i % 100] = i
        conn.send(n)


def lock_loop(lock, conn):
    while True:
        n = conn.recv()
        if n is None:
            break
        t0 = now()
        for _ in range(n):
            lock.acquire()
            lock.release()
        conn.send(now() - t0)


def event_waiter(ev, conn):
    # CPython's Event lives in shared memory: no request to wait for before answering
    # 'armed' (the parent needs a pipe hop to act on it; the child is waiting by then).
    while True:
        m = conn.recv()
        if m is None:
            break
        conn.send("armed")
        ev.wait()
        conn.send("woke")


def bench_queue(reps, n_ints=200_000, n_blobs=5_000):
    ctx = mp.get_context("spawn")
    loads = []
    for name, n, size in (("ints", n_ints, 0), ("blobs", n_blobs, BLOB)):
        q = ctx.Queue()
        a, b = ctx.Pipe()
        p = ctx.Process(target=queue_producer, args=(q, b, size))
        p.start()
        loads.append((name, n, q, a, p))

    def block(load, n):
        name, _, q, conn, _ = load
        t0 = now()
        conn.send(n)
        last = None
        for _ in range(n):
            last = q.get()
        dt = now() - t0
        if name == "ints":
            assert last == n - 1, last
        else:
            assert len(last) == BLOB and last[-1] == 0x5A
        return dt

    out = {"py_queue_ints_per_s": [], "py_queue_64k_mb_s": []}
    try:
        for load in loads:
            block(load, -(-load[1] // 10))  # warm-up
        for _ in range(reps):
            for load in loads:
                name, n = load[0], load[1]
                ms = block(load, n)
                if name == "ints":
                    out["py_queue_ints_per_s"].append(n / ms * 1000)
                else:
                    out["py_queue_64k_mb_s"].append(n * BLOB / 1e6 / (ms / 1000))
    finally:
        for _, _, _, conn, p in loads:
            conn.send(None)
            p.join(5)
            if p.is_alive():
                p.terminate()
    return out


def bench_dict(reps, n=20_000):
    ctx = mp.get_context("spawn")
    with ctx.Manager() as m:
        d = m.dict()
        a, b = ctx.Pipe()
        p = ctx.Process(target=dict_setter, args=(d, b))
        p.start()
        try:
            a.send(n // 4)  # warm-up
            a.recv()
            out = []
            for _ in range(reps):
                t0 = now()
                a.send(n)
                a.recv()
                out.append(n / (now() - t0) * 1000)
            assert d[99] == n - 1
        finally:
            a.send(None)
            p.join(5)
    return {"py_dict_ops_per_s": out}


def bench_sync(reps, n_lock=20_000, n_event=500):
    ctx = mp.get_context("spawn")
    out = {"py_lock_pair_us": [], "py_event_wake_us": []}
    lock = ctx.Lock()
    a, b = ctx.Pipe()
    p = ctx.Process(target=lock_loop, args=(lock, b))
    p.start()
    try:
        a.send(n_lock // 10)
        a.recv()
        for _ in range(reps):
            a.send(n_lock)
            out["py_lock_pair_us"].append(a.recv() * 1000 / n_lock)
    finally:
        a.send(None)
        p.join(5)
    ev = ctx.Event()
    a, b = ctx.Pipe()
    p = ctx.Process(target=event_waiter, args=(ev, b))
    p.start()
    try:
        for r in range(-1, reps):
            total = 0.0
            for _ in range(n_event):
                ev.clear()
                a.send(1)
                assert a.recv() == "armed"
                t0 = now()
                ev.set()
                assert a.recv() == "woke"
                total += now() - t0
            if r >= 0:
                out["py_event_wake_us"].append(total * 1000 / n_event)
    finally:
        a.send(None)
        p.join(5)
    return out


if __name__ == "__main__":
    what = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    sizes = [int(x) for x in sys.argv[3:]]
    try:
        res = {"queue": bench_queue, "dict": bench_dict, "sync": bench_sync}[what](reps, *sizes)
        out = {"samples": res, "errors": {}}
    except Exception as e:  # report, do not crash the runner
        out = {"samples": {}, "errors": {what: f"{type(e).__name__}: {e}"}}
    out["python"] = sys.version.split()[0]
    out["start_method"] = "spawn"
    print(json.dumps(out), flush=True)
