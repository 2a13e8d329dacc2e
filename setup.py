"""Packages: dqaudit itself, and the sample records systems as ``dqaudit.sample_data``.

The sample data ships inside the package so that an installed dqaudit can run its demo;
in a checkout it stays in ``sample_data/`` at the top, as the design card has it. Every
other setting is in setup.cfg.
"""

from setuptools import find_namespace_packages, setup

SAMPLE = "dqaudit.sample_data"

setup(
    packages=[
        *find_namespace_packages(include=["dqaudit", "dqaudit.*"]),
        SAMPLE,
        *(f"{SAMPLE}.{name}" for name in find_namespace_packages("sample_data")),
    ],
    package_dir={SAMPLE: "sample_data"},
)
