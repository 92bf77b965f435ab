from __future__ import annotations
from varbayes.return_types import max
from varbayes.return_types import min
__all__: list[str] = ['max', 'min']
