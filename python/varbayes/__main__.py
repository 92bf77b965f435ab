"""Command line: ``python -m varbayes info | ncsm fit|compare ...``."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m varbayes", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="print the version, kernel ISA level, CPU features and threads")
    from .ncsm.cli import add_parser as add_ncsm

    add_ncsm(sub)
    args = parser.parse_args(argv)
    if args.command == "ncsm":
        from .ncsm.cli import run

        return run(args)
    import varbayes as vb

    print(json.dumps({"version": vb.__version__, **vb.cpu_info()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
