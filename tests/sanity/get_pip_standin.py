"""Offline stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test (see ansible_test/_util/target/setup/requirements.py) looks for
~/.ansible/test/cache/get_pip_<pip version, dots as underscores>.py before trying to download
https://ci-files.testing.ansible.com/ansible-test/get-pip-<version>.py, which is unreachable here.
scripts/sanity.sh copies this file to that place.

It is run exactly like the real get-pip.py (as ``__main__`` through quiet_pip.py, inside a fresh
virtual environment created without pip) with arguments such as
``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``.

Like get-pip.py it runs pip straight from a wheel -- here the pip wheel bundled with Python
itself (``ensurepip/_bundled``) -- and asks it to install the requested packages. If that install
fails (no package index reachable), it installs the bundled pip wheel itself instead, so the
environment always ends up with a working pip.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

STANDIN_MARKER = 'launchkit-paas-get-pip-standin'


def bundled_pip_wheel() -> str:
    """Return the path of the pip wheel bundled with this Python's ensurepip."""
    import ensurepip  # pylint: disable=import-outside-toplevel

    bundled = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')
    wheels = sorted(glob.glob(os.path.join(bundled, 'pip-*.whl')))

    if not wheels:
        sys.exit('get-pip stand-in: no pip wheel found in %s' % bundled)

    return wheels[-1]


def run_pip(wheel: str, args: list[str]) -> int:
    """Run pip straight from its wheel (``python pip-X.whl/pip ...``) and return its exit code."""
    return subprocess.call([sys.executable, os.path.join(wheel, 'pip')] + args)


def main() -> None:
    """Install pip the way get-pip.py would, without downloading anything but the packages."""
    wheel = bundled_pip_wheel()

    # get-pip.py understands these two flags itself; they only stop it from adding setuptools/wheel.
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    options = [arg for arg in args if arg.startswith('-')]

    if run_pip(wheel, ['install', '--upgrade', '--force-reinstall'] + args) == 0:
        return

    print('get-pip stand-in: installing the requested packages failed; installing bundled %s instead'
          % os.path.basename(wheel), file=sys.stderr)

    sys.exit(run_pip(wheel, ['install', '--upgrade', '--force-reinstall', '--no-index'] + options + [wheel]))


if __name__ == '__main__':
    main()
