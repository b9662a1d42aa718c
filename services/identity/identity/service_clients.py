"""OAuth2 clients of the services that call others over HTTP (client_credentials, role ``service``).

``make run`` creates them once and hands their credentials to the processes as
``<SERVICE>_CLIENT_ID`` / ``<SERVICE>_CLIENT_SECRET`` (an env file honcho reads),
which is where chassis' settings look for a service's own client.
"""
from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

from identity import handlers
from identity.handlers import RegisteredClient

# Services asking others questions over HTTP with a token of their own (orders prices carts at catalog).
CALLERS = ("orders",)
# Where `make run` serves the gateway (identity's default public URL).
DEFAULT_PUBLIC_URL = "http://localhost:8000"
# This machine under either name: a browser may use one or the other for the same server.
LOCAL_HOSTS = ("localhost", "127.0.0.1")


def create_service_clients(uow, public_url: str = DEFAULT_PUBLIC_URL) -> dict[str, RegisteredClient]:
    """A new client per calling service, and the console's; the secrets exist only in the answer.

    The back-office console signs its users in here (authorization code + PKCE, a confidential client),
    coming back to the gateway at ``public_url``.
    """
    clients = {service: handlers.create_client(uow, f"{service} service", "client_credentials", roles=["service"])
               for service in CALLERS}
    clients["console"] = handlers.create_client(uow, "console", "authorization_code", first_party=True,
                                                redirect_uris=console_redirect_uris(public_url))
    return clients


def console_redirect_uris(public_url: str) -> list[str]:
    """``<public_url>/console/callback``; on this machine under both its names (localhost, 127.0.0.1)."""
    base = public_url.rstrip("/")
    parts = urllib.parse.urlsplit(base)
    if parts.hostname not in LOCAL_HOSTS:
        return [f"{base}/console/callback"]
    port = f":{parts.port}" if parts.port else ""
    return [f"{parts.scheme}://{host}{port}{parts.path}/console/callback" for host in LOCAL_HOSTS]


def write_env_file(path: Path, clients: dict[str, RegisteredClient]) -> None:
    """``<SERVICE>_CLIENT_ID=...`` lines, readable by the owner only (it holds secrets)."""
    lines = [f"{service.upper()}_{name}={value}" for service, client in clients.items()
             for name, value in (("CLIENT_ID", client.client_id), ("CLIENT_SECRET", client.client_secret))]
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(lines) + "\n")
