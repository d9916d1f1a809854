"""A first rdrive program: write, read a copy, read in place, iterate, compact.

    python -m pip install ./python        # from the repository root
    python examples/python/hello.py [store-path]
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import rdrive


def main(path: str) -> None:
    with rdrive.Store(path) as store:
        store["greeting"] = b"hello, rdrive"                 # str keys are UTF-8
        print("greeting =", store["greeting"].decode())     # a copy, as bytes

        store.write_many({f"sensor-{i}": bytes([i]) * 64 for i in range(1, 9)})
        entry = store.entry("sensor-3")                      # in place, no copy
        assert entry is not None
        view = entry.view()                                  # read-only memoryview
        print(f"sensor-3: {len(view)} bytes at file offset {entry.start_offset}")

        # A Store is shared by threads; calls release the GIL.
        with ThreadPoolExecutor(max_workers=4) as pool:
            sizes = list(pool.map(lambda i: len(store[f"sensor-{i}"]), range(1, 9)))
        print("sizes read by 4 threads:", sizes)

        for i in range(1, 9):
            store[f"sensor-{i}"] = b"recalibrated"            # leaves dead space
        print("entries (newest first):", [bytes(e)[:5] for e in store.entries()][:3])
        store.compact(progress=lambda done, total: print(f"compacted {done} of {total}"))
        print(f"file is now {store.file_size} bytes")

    # The view outlives the entry, the writes, the compaction and the store.
    print("old sensor-3 still readable:", view[:4].hex())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "hello.rdrive")
