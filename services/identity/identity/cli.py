"""``identity`` command: web, worker, db, dead-letters (see ``chassis.cli``) and identity's own commands."""
from __future__ import annotations

import click

from chassis.cli import metrics_dir_for, service_cli


def main() -> None:
    metrics_dir_for("identity")
    from identity.app import PORT, create_app, definition
    group = service_cli(definition, create_app, PORT)
    for command in (create_operator, create_client, rotate_keys):
        group.add_command(command)
    group.add_command(seed_demo)
    group.add_command(service_clients)
    group()


def _uow():
    from chassis.runtime import Runtime
    from chassis.settings import ConfigurationError, load_settings
    from identity.app import definition
    from identity.settings import IdentitySettings
    try:
        return Runtime(definition(), load_settings(IdentitySettings)).uow()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


def _run(handler, *args, **kwargs):
    from identity.domain import RuleViolation
    try:
        return handler(_uow(), *args, **kwargs)
    except RuleViolation as error:
        raise click.ClickException(str(error)) from None


@click.command("create-operator", help="Create an operator (admin, or support with --support).")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--support", is_flag=True, help="Support role instead of admin.")
def create_operator(email: str, password: str, support: bool) -> None:
    from identity.handlers import create_operator as handler
    click.echo(f"user_id: {_run(handler, email, password, support)}")


@click.command("create-client", help="Register an OAuth2 client; its secret is printed once.")
@click.option("--name", required=True)
@click.option("--grant", "grant_type", required=True, type=click.Choice(["client_credentials", "authorization_code"]))
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--role", "roles", multiple=True, help="Roles of client_credentials tokens.")
@click.option("--scope", "scopes", multiple=True, help="Scopes the client may ask for.")
@click.option("--vendor-id", default=None)
@click.option("--public", is_flag=True, help="No secret (browser or mobile app); PKCE only.")
@click.option("--first-party", is_flag=True, help="Our own app: users are not asked for consent.")
def create_client(name, grant_type, redirect_uris, roles, scopes, vendor_id, public, first_party) -> None:
    from identity.handlers import create_client as handler
    client = _run(handler, name, grant_type, redirect_uris=list(redirect_uris), roles=list(roles),
                  scopes=list(scopes), vendor_id=vendor_id, public=public, first_party=first_party)
    click.echo(f"client_id: {client.client_id}")
    if client.client_secret:
        click.echo(f"client_secret: {client.client_secret}  (shown once; only its hash is stored)")


@click.command("rotate-keys", help="Sign with a new key; old keys stay in the JWKS until their tokens expire.")
def rotate_keys() -> None:
    from identity.handlers import rotate_keys as handler
    click.echo(f"signing with kid {_run(handler)}")


@click.command("seed-demo", help="Seed a demo marketplace and write its credentials (random each time).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Credentials file [default: $MARKETPLACE_VAR_DIR/demo-credentials.json].")
def seed_demo(if_empty: bool, output: str | None) -> None:
    import os
    from pathlib import Path

    from identity import seed
    uow = _uow()
    if if_empty and not seed.is_empty(uow):
        click.echo("identity already has users: demo seed skipped")
        return
    path = Path(output or Path(os.environ.get("MARKETPLACE_VAR_DIR", "var")) / "demo-credentials.json")
    seed.write_credentials(path, _run(seed.seed_demo))
    click.echo(f"demo marketplace seeded; credentials in {path}")


@click.command("service-clients", help="Create the OAuth2 clients of services that call others and of the console; "
                                       "write an env file.")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Env file [default: $MARKETPLACE_VAR_DIR/service-clients.env].")
@click.option("--if-missing", is_flag=True, help="Do nothing when the env file already exists.")
@click.option("--public-url", envvar="IDENTITY_PUBLIC_URL", default=None,
              help="Where browsers reach the gateway: the console's redirect URI is <public-url>/console/callback "
                   "[default: $IDENTITY_PUBLIC_URL, else http://localhost:8000].")
def service_clients(output: str | None, if_missing: bool, public_url: str | None) -> None:
    import os
    from pathlib import Path

    from identity import service_clients as clients
    path = Path(output or Path(os.environ.get("MARKETPLACE_VAR_DIR", "var")) / "service-clients.env")
    if if_missing and path.exists():
        click.echo(f"{path} exists: service clients kept")
        return
    created = _run(clients.create_service_clients, public_url or clients.DEFAULT_PUBLIC_URL)
    clients.write_env_file(path, created)
    click.echo(f"service clients created ({', '.join(created)}); credentials in {path}")
