"""Repository-wide pytest set-up.

pytest's importlib mode names ``gateway/tests/test_x.py`` ``gateway.tests.test_x``
and, when no ``gateway`` module is loaded yet, imports the repository's
``gateway/`` folder as that parent package, hiding the installed ``gateway``
package (``gateway/gateway/``). Importing the real one first avoids that.
"""
import os
import random

import console  # noqa: F401
import gateway  # noqa: F401


def pytest_configure(config) -> None:
    """Give ``make test``'s parallel workers one hash seed, still random for each run.

    Workers must collect the same tests, and some parametrizations are built from sets, whose
    order follows the hash seed; the workers inherit this process's environment.
    """
    if not hasattr(config, "workerinput") and os.environ.get("PYTHONHASHSEED", "random") == "random":
        os.environ["PYTHONHASHSEED"] = str(random.randint(1, 2**32 - 1))


def pytest_report_header(config) -> str:
    return f"PYTHONHASHSEED={os.environ.get('PYTHONHASHSEED', 'random')} (set it to replay a run's parametrization order)"
