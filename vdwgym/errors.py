"""The one exception hierarchy of vdwgym.

Every error raised on purpose by vdwgym derives from :class:`VdwgymError`, so a caller can
catch the whole family with one ``except``.  Input errors also derive from ``ValueError``
so code written against the standard library keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable


def _rebuild(cls: type, args: tuple, kwargs: dict) -> VdwgymError:
    return cls(*args, **kwargs)


class VdwgymError(Exception):
    """Base class of every error vdwgym raises on purpose.

    Errors pickle with the arguments they were made with (whatever a subclass's signature),
    so an error raised in a worker process (benchmark workers, engines) arrives in the parent
    intact, same class, message and attributes.
    """

    def __new__(cls, *args: object, **kwargs: object):
        self = super().__new__(cls, *args)
        self._init = (args, kwargs)
        return self

    def __reduce__(self):
        args, kwargs = self._init
        return _rebuild, (type(self), args, kwargs), self.__dict__


class ValidationError(VdwgymError, ValueError):
    """Bad input: names the field, the bound it broke and the value it got.

    Attributes
    ----------
    field:
        Name of the offending field (``"temperature_K"``, ``"params.json:seed"``, ...).
    bound:
        Human-readable statement of the bound, e.g. ``"[1300, 3200] K"`` or ``"finite"``.
    value:
        The value that was refused (as given).
    """

    def __init__(self, field: str, bound: str, value: object, hint: str = "") -> None:
        self.field = field
        self.bound = bound
        self.value = value
        msg = f"{field}: expected {bound}, got {value!r}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


def check_fields(obj: object, checks: Iterable[tuple[str, bool, str]]) -> None:
    """Raise :class:`ValidationError` for the first ``(field, ok, bound)`` whose ``ok`` is
    False, with the value read from ``obj.field`` (used by the config dataclasses)."""
    for name, ok, bound in checks:
        if not ok:
            raise ValidationError(name, bound, getattr(obj, name))


class ConfigError(VdwgymError, ValueError):
    """A configuration file or option is inconsistent or unreadable."""


class BackendError(VdwgymError):
    """A backend could not evaluate a recipe for an infrastructure reason."""


class EngineError(VdwgymError):
    """An execution engine could not launch, track or cancel a task."""


class WorkerError(VdwgymError):
    """A worker task ended without a valid result.json."""


class StoreError(VdwgymError):
    """The campaign store is missing, corrupt or belongs to another campaign."""


class AnalysisError(VdwgymError, ValueError):
    """A structure could not be read or analysed (names file and line where it can)."""


class BudgetExhausted(VdwgymError):
    """A submission would exceed the campaign's evaluation budget."""


class NotFound(VdwgymError, LookupError):
    """No campaign or evaluation of that name (the HTTP service answers 404)."""


class Conflict(VdwgymError):
    """A well-formed request that clashes with the campaign's state (HTTP 409)."""


class TransportError(VdwgymError):
    """A remote party (an outside controller, the lab service) could not be reached, did
    not answer in time or answered with an HTTP error: the request's transport failed, not
    its content.

    Attributes
    ----------
    endpoint:
        What was asked (``"suggest"``, ``"ingest"``, ``"GET /campaigns"``, ...).
    url:
        The full address.
    status:
        The HTTP status of an error answer, ``None`` when there was no answer.
    """

    def __init__(self, endpoint: str, message: str, url: str = "", status: int | None = None) -> None:
        self.endpoint = endpoint
        self.url = url
        self.status = status
        super().__init__(f"{endpoint}: {message}" + (f" ({url})" if url else ""))


class ProtocolMismatch(VdwgymError):
    """The other side speaks a version of the external protocol this side does not; the
    message names the version needed."""


class Unavailable(VdwgymError):
    """A resource limit is reached (campaigns, open files, processes); retry later (HTTP 503)."""
