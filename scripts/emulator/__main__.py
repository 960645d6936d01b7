"""Run the emulator: ``python -m scripts.emulator [--host 127.0.0.1] [--port 0] [--port-file F]``.

Port 0 picks a free port; the chosen one is printed and, with ``--port-file``, written there once the
server accepts connections. With ``--parent-pid`` the emulator exits when that process is gone, so
a killed demo or test run leaves nothing behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _watch_parent(parent_pid: int, stop: threading.Event) -> None:
    while not stop.wait(0.5):
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        if os.getppid() != parent_pid:
            os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once serving")
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone")
    args = parser.parse_args(argv)

    # AWS-managed IAM policies (AmazonDMSVPCManagementRole, AWSLambdaBasicExecutionRole...) exist in AWS.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from . import patch
    from .control import ControlMiddleware

    patch.apply()
    app = ControlMiddleware(DomainDispatcherApplication(create_backend_app))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_address[1]

    stop = threading.Event()

    def shutdown(signum: int, frame: Any) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    if args.parent_pid:
        threading.Thread(target=_watch_parent, args=(args.parent_pid, stop), daemon=True).start()

    if args.port_file:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        tmp.replace(args.port_file)
    print(f"AWS emulator listening on http://{args.host}:{port}", flush=True)
    started = time.monotonic()
    server.serve_forever()
    print(f"AWS emulator stopped after {time.monotonic() - started:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
