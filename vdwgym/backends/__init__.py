"""Backends evaluate recipes: ``submit(recipe, seed, key=...) -> Future[Outcome]``.

* :mod:`vdwgym.backends.base` - the contract (:class:`Backend`, every method declared);
* :mod:`vdwgym.backends.surrogate` - :class:`SurrogateBackend`, the commensurate surrogate
  in process, answering at once;
* :mod:`vdwgym.backends.worker` - :class:`~vdwgym.backends.worker.WorkerBackend`, one run
  directory and one ``python -m vdwgym.worker RUN_DIR`` task per evaluation, launched
  through an execution engine;
* :mod:`vdwgym.backends.lammps` - :class:`~vdwgym.backends.lammps.LammpsBackend`, the
  worker backend of kind ``"lammps"`` (molecular dynamics);
* :mod:`vdwgym.backends.registry` - :func:`make_backend` by name (built-in names and the
  ``vdwgym.backends`` entry points).

Swapping families is one argument: ``make_backend("lammps", space, ...)``.
"""

from vdwgym.backends.base import Backend, completed_future
from vdwgym.backends.registry import backend_names, make_backend
from vdwgym.backends.surrogate import SurrogateBackend

__all__ = ["Backend", "SurrogateBackend", "backend_names", "completed_future", "make_backend"]
