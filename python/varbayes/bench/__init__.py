"""Benchmarks run from the command line: ``python -m varbayes bench vision ...``."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    bench = sub.add_parser("bench", help="benchmarks: accuracy, calibration and speed against PyTorch")
    commands = bench.add_subparsers(dest="bench_command", required=True)
    from .vision import add_parser as add_vision

    add_vision(commands)


def run(args: argparse.Namespace) -> int:
    # One benchmark so far; a dispatch on args.bench_command goes here when there are more.
    from .vision import run as run_vision

    return run_vision(args)


__all__ = ["add_parser", "run"]
