"""``cbr-emulator serve | credentials | inventory``."""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from cbr_emulator.config import ConfigError, Settings, load_credentials, parse_async_delay, settings_from_env
from cbr_emulator.defaults import credentials_as_json
from cbr_emulator.models.inventory import InventoryError
from cbr_emulator.models.inventory_default import default_inventory


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cbr-emulator", description="Stateful emulator of the CBR v3 API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the emulator over HTTP")
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 9000; 0 picks a free one)")
    serve.add_argument("--db", default=None, help="SQLite file (default :memory:; env CBR_EMULATOR_DB)")
    serve.add_argument(
        "--async-delay",
        default=None,
        help="seconds from protecting/restoring to available (default 1; env CBR_EMULATOR_ASYNC_DELAY)",
    )
    serve.add_argument(
        "--inventory", default=None, help="inventory JSON (default: built-in; env CBR_EMULATOR_INVENTORY)"
    )
    serve.add_argument(
        "--credentials",
        default=None,
        help="credentials JSON (default: built-in; env CBR_EMULATOR_CREDENTIALS)",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    commands.add_parser("credentials", help="print the default credentials as JSON")
    commands.add_parser("inventory", help="print the built-in inventory as JSON")
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    return settings_from_env().with_overrides(
        host=args.host,
        port=9000 if args.port is None else args.port,
        db_path=args.db,
        async_delay=None if args.async_delay is None else parse_async_delay(args.async_delay),
        inventory_path=None if args.inventory is None else Path(args.inventory),
        credentials=None if args.credentials is None else load_credentials(Path(args.credentials)),
    )


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def serve(settings: Settings, log_level: str) -> None:
    import uvicorn

    from cbr_emulator.app import create_app

    port = settings.port or free_port(settings.host)  # --port 0: say which port was picked
    app = create_app(settings)
    print(
        f"cbr-emulator listening on http://{settings.host}:{port} (db {settings.db_path})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=settings.host, port=port, log_level=log_level, lifespan="off")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "credentials":
        print(json.dumps(credentials_as_json(Settings().credentials), indent=2))
        return 0
    if args.command == "inventory":
        print(json.dumps(default_inventory(), indent=2))
        return 0
    try:
        settings = settings_from_args(args)
        serve(settings, args.log_level)
    except (ConfigError, InventoryError) as exc:
        print(f"cbr-emulator: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
