"""The HTTP lab service (the ``serve`` extra): campaigns over HTTP JSON, a remote client.

* :mod:`vdwgym.service.app` - the FastAPI application (``vdwgym serve`` runs it);
* :mod:`vdwgym.service.campaigns` - served campaigns: one directory and one SQLite store each;
* :mod:`vdwgym.service.schemas` - request and response bodies (the OpenAPI description);
* :mod:`vdwgym.service.limits` - the bounds every request is held to;
* :mod:`vdwgym.service.client` - :class:`~vdwgym.service.client.ServiceClient` and the
  Gymnasium environment :class:`~vdwgym.service.client.RemoteLab`.

Only :mod:`app` and :mod:`client` import fastapi / uvicorn / httpx; ``import vdwgym`` never does.
See ``docs/service.md``.
"""
