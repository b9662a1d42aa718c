"""OAuth2 clients of the services that call others over HTTP (client_credentials, role ``service``).

``make run`` creates them once and hands their credentials to the processes as
``<SERVICE>_CLIENT_ID`` / ``<SERVICE>_CLIENT_SECRET`` (an env file honcho reads),
which is where chassis' settings look for a service's own client.
"""
from __future__ import annotations

import os
from pathlib import Path

from identity import handlers
from identity.handlers import RegisteredClient

# Services asking others questions over HTTP with a token of their own (orders prices carts at catalog).
CALLERS = ("orders",)


def create_service_clients(uow) -> dict[str, RegisteredClient]:
    """A new client per calling service; the secrets exist only in the answer."""
    return {service: handlers.create_client(uow, f"{service} service", "client_credentials", roles=["service"])
            for service in CALLERS}


def write_env_file(path: Path, clients: dict[str, RegisteredClient]) -> None:
    """``<SERVICE>_CLIENT_ID=...`` lines, readable by the owner only (it holds secrets)."""
    lines = [f"{service.upper()}_{name}={value}" for service, client in clients.items()
             for name, value in (("CLIENT_ID", client.client_id), ("CLIENT_SECRET", client.client_secret))]
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(lines) + "\n")
