"""`python -m provisioner.sandbox [--host H] [--port ADMIN_PORT] [--data DIR] ...`: run serve() standalone."""

from __future__ import annotations

import argparse
import json

from . import SandboxConfig, serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m provisioner.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="admin port (0 = ephemeral)")
    parser.add_argument("--data", default=None, help="data dir (default: in memory)")
    parser.add_argument("--inventory-size", type=int, default=1000)
    parser.add_argument("--credentials", default=None, help='JSON file like {"vonage": {"api_key": ..}}')
    args = parser.parse_args(argv)
    credentials = None
    if args.credentials:
        with open(args.credentials, encoding="utf-8") as fh:
            credentials = json.load(fh)
    serve(
        SandboxConfig(
            data_dir=args.data,
            host=args.host,
            admin_port=args.port,
            inventory_size=args.inventory_size,
            credentials=credentials,
        )
    )


if __name__ == "__main__":
    main()
