"""Garbage-collector settings of wirebeam's own processes (the driver of a run and the local workers).

CPython starts a young-generation collection every 700 net allocations of container objects, and
every tenth of those also scans the middle generation. A run allocates millions of short-lived dicts,
lists and tuples (article dicts, Beam's windowed values, parser nodes) while large long-lived graphs
(Beam's pipeline and bundle processors, the language profiles, the entity models) sit in the older
generations, so most collections find nothing to free. Measured on the default runner, 286 eval pages,
--ner none --stories off: 959 collections, 0.68 s of the driver's 9.5 s of CPU; with the thresholds
below 32 collections, 0.16 s. Cycles are still collected, only less often; memory stays within the
same peak (a young generation of 20,000 objects is a few MiB).
"""
import gc

YOUNG = 20_000   # allocations between two young-generation collections (CPython's default: 700)
MIDDLE = 50      # young collections between two middle-generation collections (default 10)
OLD = 100        # middle collections between two full ones (default 10; CPython also waits for 25 % growth)


def relax_collector() -> None:
    """Collect less often in this process (see the module's docstring); idempotent."""
    gc.set_threshold(YOUNG, MIDDLE, OLD)
