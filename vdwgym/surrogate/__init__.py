"""Fast surrogates of the recrystallization experiment.

:class:`CommensurateSurrogate` (the default backend's physics): the recrystallized top
layer must be a hexagonal lattice periodic in the strained, sheared box; candidates are
ranked by elastic strain energy plus a site-count cost and a seeded thermal draw picks one.
"""

from vdwgym.surrogate.commensurate import CommensurateSurrogate, SurrogateConfig, SurrogateResult

__all__ = ["CommensurateSurrogate", "SurrogateConfig", "SurrogateResult"]
