"""The core package must stay usable without Streamlit: the CLI, the simulator and the tests depend on it."""

import pkgutil
import subprocess
import sys

import easel


def test_importing_every_core_module_never_loads_streamlit():
    modules = [m.name for m in pkgutil.walk_packages(easel.__path__, "easel.")]
    assert "easel.providers.client" in modules and "easel.jobs.job_service" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"easel modules pulled in streamlit: {out.stdout.strip()}"
