"""The cyclic garbage collector paused around work that only allocates (issue 19). Plain Python.

Reference counting frees what a world build, a case run or a page render makes and drops; the cyclic collector
finds nothing more there, yet each allocation of a container object counts towards its next pass, and every
tenth pass walks the older generations too: a world of 20 000 people spent three quarters of its build in full
collections, a 10-year case parsed ~4 MB of JSON between collections of the whole heap, a 1000-item page's
render 13 % of its instructions in collections (callgrind). Paused, the work's garbage is freed as it always is
and what survives is collected as usual afterwards: collection is deferred, never skipped.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused():
    """No cyclic collection inside the block. Re-enabled only by whoever paused it: a block inside another (or
    one that starts while the dev server's other thread has it paused) leaves it as it found it; two threads that
    overlap can at worst let one collection happen."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
