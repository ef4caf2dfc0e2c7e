"""The HTTP lab service (the ``serve`` extra): campaigns over HTTP JSON, a remote client.

* :mod:`vdwgym.service.app` - the FastAPI application (``vdwgym serve`` runs it);
* :mod:`vdwgym.service.campaigns` - served campaigns: one directory and one SQLite store each;
* :mod:`vdwgym.service.schemas` - request and response bodies (the OpenAPI description);
* :mod:`vdwgym.service.limits` - the bounds every request is held to;
* :mod:`vdwgym.service.client` - :class:`~vdwgym.service.client.ServiceClient`, the
  Gymnasium environment :class:`~vdwgym.service.client.RemoteLab` and ``run_agent``;
* :mod:`vdwgym.service.conformance` - the conformance kit for external controllers
  (``vdwgym check-controller``);
* :mod:`vdwgym.service.controller_server` - an in-process controller (a gest-api generator)
  served over HTTP (``vdwgym serve-controller``; standard library only).

Only :mod:`app` imports fastapi / uvicorn; :mod:`client` and the ``external`` agent import
httpx; ``import vdwgym`` imports none of them.
See ``docs/service.md``.
"""
