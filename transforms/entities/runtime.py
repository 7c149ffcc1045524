"""How the loaded spaCy pipelines run on a worker's CPU: what the entity stage spends its time on.

Profiled with py-spy on the 1,365 articles of the shared extraction pages (2026-12-05, AMD EPYC, spaCy 3.8,
thinc 8.3, blis 1.3): a third of the stage was `bli_sgemm_generic_ref`, BLIS's portable reference kernel, in the
tok2vec layers' matrix products. The blis wheel's run-time dispatch did not recognise the CPU and fell back to
it; numpy's OpenBLAS picks a tuned kernel on any x86-64 CPU (DYNAMIC_ARCH) and did the tok2vec's product
(2,000 x 288 by 288 x 288) 3x faster. So the pipelines' thinc layers multiply through numpy, with one BLAS
thread: a worker already owns one core, and OpenBLAS's own threads made the stage no faster on the
shared 2 cores. The transition parser's small per-step products stay in BLIS (spaCy calls them from C).
Same entities on all 1,365 articles as with BLIS.
"""
import contextlib
import gc

# BLAS threads inside one entity worker: one core each (measured: 2 threads gave no gain on 2 busy cores)
BLAS_THREADS = 1


def multiply_with_numpy(nlp) -> int:
    """Point every thinc layer of the pipeline at numpy's matrix product instead of BLIS's; returns how
    many layers changed (0 when thinc runs on another backend, e.g. a GPU, which is left alone)."""
    from thinc.api import NumpyOps
    ops = NumpyOps(use_blis=False)
    changed = 0
    for _name, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue   # rule-based components (the cleanup, the gazetteer) have no layers
        for layer in model.walk():
            if isinstance(layer.ops, NumpyOps) and layer.ops.use_blis:
                layer.ops = ops
                changed += 1
    return changed


def blas_controller():
    """The process's BLAS libraries, found once (a look-up costs ~10 ms; limiting through it ~20 us)."""
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


def blas_threads(controller, threads: int = BLAS_THREADS):
    """A context in which numpy's BLAS uses `threads` threads (and nothing changes without a controller)."""
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=threads, user_api="blas")


def freeze_loaded_objects() -> None:
    """Move everything alive now (spaCy, Beam and the two pipelines' vocabularies, word lists and
    gazetteers: about 300,000 objects) out of the garbage collector's reach: they live as long as the
    worker, and every oldest-generation collection walked all of them (5% of the stage's samples were in
    the collector; about 8% less CPU after)."""
    gc.collect()
    gc.freeze()
