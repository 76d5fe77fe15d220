"""qbi: the small helper package of the Quantitative Big Imaging course.

Modules, one job each:

* :mod:`qbi.phantoms`  - synthetic images with known ground truth
* :mod:`qbi.data`      - the dataset catalogue, cached and checksummed
* :mod:`qbi.doctor`    - checks that a computer is ready for the course
* :mod:`qbi.exercises` - generates student exercises from solution notebooks
* :mod:`qbi.grading`   - grades submitted exercises
* :mod:`qbi.slides`    - builds reveal.js decks from lecture notebooks

Command line: ``python -m qbi --help``.
"""

__version__ = "0.1.0"
