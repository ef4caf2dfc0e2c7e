"""The real lab: the paper's recrystallization protocol in LAMMPS (the ``md`` extra).

* :mod:`vdwgym.md.protocol` - the stages and their presets (``paper``, ``workstation``, ``quick``, ``smoke``);
* :mod:`vdwgym.md.potentials` - the potential registry (``rebomos``, ``reaxff``, ...);
* :mod:`vdwgym.md.task` - the worker task ``run(recipe, seed, options, run_dir, progress)``;
* :mod:`vdwgym.md.simulation` - one LAMMPS instance running the stages;
* :mod:`vdwgym.md.config` - the validated task options (:class:`~vdwgym.md.config.TaskConfig`);
* :mod:`vdwgym.md.history_plot` - temperature, top-layer order and twist against time.

Importing this package (and protocol, potentials, task) does not import LAMMPS or mpi4py;
they are imported when a simulation starts.  See docs/md.md.
"""
