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
# The back-office console signs its users in here (authorization code + PKCE, a confidential client),
# reached through the gateway as `make run` serves it.
CONSOLE_REDIRECT_URIS = ["http://localhost:8000/console/callback", "http://127.0.0.1:8000/console/callback"]


def create_service_clients(uow) -> dict[str, RegisteredClient]:
    """A new client per calling service, and the console's; the secrets exist only in the answer."""
    clients = {service: handlers.create_client(uow, f"{service} service", "client_credentials", roles=["service"])
               for service in CALLERS}
    clients["console"] = handlers.create_client(uow, "console", "authorization_code", first_party=True,
                                                redirect_uris=CONSOLE_REDIRECT_URIS)
    return clients


def write_env_file(path: Path, clients: dict[str, RegisteredClient]) -> None:
    """``<SERVICE>_CLIENT_ID=...`` lines, readable by the owner only (it holds secrets)."""
    lines = [f"{service.upper()}_{name}={value}" for service, client in clients.items()
             for name, value in (("CLIENT_ID", client.client_id), ("CLIENT_SECRET", client.client_secret))]
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(lines) + "\n")
