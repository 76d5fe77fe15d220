"""The first code cell of every course notebook: makes the notebook run on hosted Jupyter services.

Colab or a JupyterHub opens one notebook without the course environment, so ``from qbi import data``
would fail.  The cell below installs the course package (with its data generators) from the course
repository when ``qbi`` is missing, and does nothing at all in the course environment (where ``qbi``
is installed).  It is tagged ``remove-cell``: the site and the slides do not show it.

``python tools/launch_cell.py`` puts it (or its current text) first in every notebook; a test checks
that every notebook has it and that it is a no-op here.  Binder builds the whole environment from
``requirements.txt`` and ``binder/apt.txt`` instead.
"""

REPOSITORY = "https://github.com/qbi-course/quantitative-big-imaging"

SOURCE = f"""\
# Hosted Jupyter (Colab, a JupyterHub): install the course package if it is missing.
# In the course environment (README.md) this cell does nothing.
import importlib.util, subprocess, sys
if importlib.util.find_spec("qbi") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "qbi @ git+{REPOSITORY}"], check=True)"""

TAGS = ["remove-cell"]
MARKER = "# Hosted Jupyter (Colab, a JupyterHub): install the course package if it is missing."
