"""Build step only; everything else is in pyproject.toml.

The shipped scenarios live in the repository's `scenarios/` folder, beside the package. A checkout (and an editable
install) finds them there; an installed wheel has no such folder, so the build copies `scenarios/*.yaml` into the
package as `sandbox/bundled_scenarios/` (sandbox/scenario/catalog.py looks there second). MANIFEST.in keeps
`scenarios/` in the sdist, so a wheel built from the sdist gets them too.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_scenarios(build_py):
    def run(self):
        super().run()
        source = HERE / "scenarios"
        files = sorted(source.glob("*.yaml")) if source.is_dir() else []
        if not files:
            raise SystemExit("scenarios/*.yaml is missing: the package would ship without its scenarios")
        target = Path(self.build_lib) / "sandbox" / "bundled_scenarios"
        target.mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": build_py_with_scenarios})
