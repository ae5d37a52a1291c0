"""Build configuration beyond setup.cfg: the optional native scorer.

`optional=True`: where no C compiler is available the build goes on without it,
and training.fastpath scores in Python (same probabilities, slower per text).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "training._native",
            ["training/_native.c"],
            optional=True,
        )
    ]
)
