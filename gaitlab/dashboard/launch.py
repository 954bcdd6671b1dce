"""``gaitlab dashboard``: start the Streamlit dashboard with gaitlab's privacy settings.

``streamlit run app.py`` reads ``.streamlit/config.toml`` only from the folder it is started
in; started anywhere else, Streamlit's defaults apply, and two of them reach the network:

* ``browser.gatherUsageStats = true``: the page sends usage statistics to Streamlit's
  collector from the user's browser;
* with no ``server.address``, the start-up banner looks up the machine's addresses: a UDP
  ``connect`` towards 8.8.8.8 and, headless, an HTTPS request to an IP-echo service.

This command passes every option on the command line, so the dashboard behaves the same
from any working directory: statistics off, bound to one address (``127.0.0.1`` unless
told otherwise), the browser address given so that no lookup is needed, no file watcher,
no developer menu. ``.streamlit/config.toml`` holds the same values for ``streamlit run``
from the checkout.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from gaitlab.errors import GaitlabError

#: app.py of a source checkout or editable install (the dashboard is not in the wheel).
APP_PATH = Path(__file__).resolve().parents[2] / "app.py"
DEFAULT_PORT = 8501
DEFAULT_ADDRESS = "127.0.0.1"
#: Per uploaded clip; the page states it (read back from Streamlit's options).
MAX_UPLOAD_MB = 200


class DashboardUnavailable(GaitlabError):
    """The dashboard's app.py is not next to this installation."""

    exit_code = 2


def streamlit_options(port: int, address: str, *, max_upload_mb: int = MAX_UPLOAD_MB) -> dict:
    """Every Streamlit option the dashboard sets, as ``{"section.name": value}``.

    Parameters
    ----------
    port
        TCP port to serve on.
    address
        Address to bind (``0.0.0.0`` serves every interface of the machine).
    max_upload_mb
        Largest clip a user may upload, in MB.

    Returns
    -------
    dict
        Option name -> value, for ``streamlit run --name value``.
    """
    # A wildcard bind still needs a name for the banner, or Streamlit looks its IPs up.
    browser_address = socket.gethostname() if address in {"0.0.0.0", "::"} else address
    return {
        "browser.gatherUsageStats": False,
        "browser.serverAddress": browser_address,
        "browser.serverPort": port,
        "server.address": address,
        "server.port": port,
        "server.headless": True,
        "server.fileWatcherType": "none",
        "server.maxUploadSize": max_upload_mb,
        "client.toolbarMode": "viewer",
        "theme.base": "light",
    }


def streamlit_argv(app: Path, options: dict) -> list[str]:
    """The ``python -m streamlit run`` command line for ``app`` with ``options``."""
    argv = [sys.executable, "-m", "streamlit", "run", str(app)]
    for name, value in options.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        argv += [f"--{name}", text]
    return argv


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 1-65535, got {port}")
    return port


def _cmd_dashboard(args: argparse.Namespace) -> int:
    if not APP_PATH.is_file():
        raise DashboardUnavailable(
            f"the dashboard needs app.py from the gaitlab source checkout (looked in "
            f"{APP_PATH.parent}); clone the repository and install it with `pip install -e .`"
        )
    argv = streamlit_argv(APP_PATH, streamlit_options(args.port, args.address))
    if args.print_command:
        print(" ".join(argv))
        return 0
    sys.stdout.flush()
    # Streamlit takes over this process: Ctrl-C and signals reach it directly.
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    os.execve(sys.executable, argv, env)
    return 0  # not reached


def add_dashboard_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``gaitlab dashboard`` to the CLI's subcommands."""
    p = sub.add_parser(
        "dashboard",
        help="start the web dashboard (private settings, from any folder)",
        description=(
            "Start the Streamlit dashboard with usage statistics off and no address lookups, "
            "whatever folder it is started from. Open the printed URL in a browser."
        ),
    )
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help="TCP port (default 8501)")
    p.add_argument(
        "--address",
        default=DEFAULT_ADDRESS,
        help="address to serve on (default 127.0.0.1, this machine only; 0.0.0.0 for the LAN)",
    )
    p.add_argument(
        "--print-command", action="store_true", help="print the streamlit command and exit"
    )
    p.set_defaults(func=_cmd_dashboard)
