"""Build hook: ship the repository's resources/ folder in the wheel as homa_desk/resources (package data).

The folder stays at the top of the checkout (translators and designers edit it there); an editable install reads it
from the checkout, a wheel and the frozen bundle from homa_desk/resources (see homa_desk/ui/common/resources.py).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = Path(__file__).resolve().parent / "resources"
SKIPPED = shutil.ignore_patterns("*.ts", "__pycache__")  # .ts are translation sources; the desk loads the .qm


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False) and RESOURCES.is_dir():
            target = Path(self.build_lib) / "homa_desk" / "resources"
            shutil.rmtree(target, ignore_errors=True)  # a resource deleted since the last build must not linger
            shutil.copytree(RESOURCES, target, ignore=SKIPPED)


setup(cmdclass={"build_py": BuildPyWithResources})
