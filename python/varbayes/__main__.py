"""Command line: ``python -m varbayes info | ncsm fit|compare ... | bench vision ... | --cmake-dir``."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m varbayes", description=__doc__)
    parser.add_argument(
        "--cmake-dir",
        action="store_true",
        help="print the directory of the installed C++ package's CMake config "
        "(pass it as CMAKE_PREFIX_PATH or varbayes_DIR)",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="print the version, kernel ISA level, CPU features and threads")
    from .bench import add_parser as add_bench
    from .ncsm.cli import add_parser as add_ncsm

    add_ncsm(sub)
    add_bench(sub)
    args = parser.parse_args(argv)
    if args.cmake_dir:
        return _print_cmake_dir()
    if args.command is None:
        parser.error("a command is required (info, ncsm, bench) or --cmake-dir")
    if args.command == "ncsm":
        from .ncsm.cli import run

        try:
            return run(args)
        except (ValueError, OSError) as exc:  # bad data or arguments: the message, not a traceback
            parser.exit(2, f"{parser.prog} ncsm: error: {exc}\n")
    if args.command == "bench":
        from .bench import run as run_bench

        return run_bench(args)
    import varbayes as vb

    print(json.dumps({"version": vb.__version__, **vb.cpu_info()}, indent=2))
    return 0


def _print_cmake_dir() -> int:
    from pathlib import Path

    directory = Path(__file__).resolve().parent / "lib" / "cmake" / "varbayes"
    if not (directory / "varbayesConfig.cmake").is_file():
        print(f"varbayes: no C++ package at {directory} (this is not an installed wheel)", file=sys.stderr)
        return 1
    print(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
