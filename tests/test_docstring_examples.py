"""The Examples sections of the modules' docstrings run and print what they show."""

import doctest

import numpy as np
import pytest

import varbayes as vb
import varbayes.io
import varbayes.likelihood
import varbayes.utils.data


@pytest.mark.parametrize(
    "module", [varbayes.io, varbayes.likelihood, varbayes.utils.data], ids=lambda m: m.__name__
)
def test_docstring_examples_run(module):
    result = doctest.testmod(
        module, extraglobs={"vb": vb, "np": np}, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 0 and result.failed == 0
