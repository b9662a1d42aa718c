"""Repository-wide pytest set-up.

pytest's importlib mode names ``gateway/tests/test_x.py`` ``gateway.tests.test_x``
and, when no ``gateway`` module is loaded yet, imports the repository's
``gateway/`` folder as that parent package, hiding the installed ``gateway``
package (``gateway/gateway/``). Importing the real one first avoids that.
"""
import gateway  # noqa: F401
