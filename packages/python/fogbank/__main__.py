"""``python -m fogbank [ARGS]``: run the fogbank server binary with ARGS (default port 4566)."""

import os
import subprocess
import sys

from . import FogbankError, binary_path


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        exe = binary_path()
    except FogbankError as e:
        print(f"fogbank: {e}", file=sys.stderr)
        return 2
    if os.name == "posix":
        os.execv(exe, [exe, *args])
    try:
        return subprocess.call([exe, *args])
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
