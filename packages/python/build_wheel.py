"""Assemble the fogbank wheel from an already built binary, with the standard library only.

    python3 packages/python/build_wheel.py target/release/fogbank --out dist/

The release wheels are made by maturin (`pyproject.toml`, see RELEASING.md), which compiles
the binary itself; test.sh uses this script instead so that it packages the binary its own
`cargo build --release` made, rather than compiling fogbank (fat LTO) a second time. The
result has maturin's layout: the binary in `fogbank-<v>.data/scripts/`, the pure-Python
package `fogbank/`, and metadata and entry points taken from `pyproject.toml` and the crate's
version from `Cargo.toml`.
"""

import argparse
import base64
import hashlib
import io
import pathlib
import re
import sys
import sysconfig
import zipfile

try:
    import tomllib
except ImportError:  # Python < 3.11
    sys.exit("build_wheel.py needs Python 3.11+ (tomllib)")

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def crate_version():
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    return cargo["package"]["version"]


def platform_tag():
    return re.sub(r"[-.]", "_", sysconfig.get_platform())


def metadata(project, version):
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {version}",
        f"Summary: {project.get('description', '')}",
        f"License: {project.get('license', {}).get('text', '')}",
        f"Requires-Python: {project.get('requires-python', '>=3')}",
    ]
    lines += [f"Classifier: {c}" for c in project.get("classifiers", [])]
    lines += [f"Requires-Dist: {d}" for d in project.get("dependencies", [])]
    for extra, deps in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {d}; extra == "{extra}"' for d in deps]
    lines.append("Description-Content-Type: text/markdown")
    readme = (HERE / project.get("readme", "README.md")).read_text()
    return "\n".join(lines) + "\n\n" + readme


def entry_points(project):
    out = []
    for group, entries in project.get("entry-points", {}).items():
        out.append(f"[{group}]")
        out += [f"{name} = {target}" for name, target in entries.items()]
        out.append("")
    return "\n".join(out)


def build(binary, out_dir, plat):
    project = tomllib.loads((HERE / "pyproject.toml").read_text())["project"]
    version = crate_version()
    name = project["name"]
    tag = f"py3-none-{plat}"
    dist_info = f"{name}-{version}.dist-info"
    files = []  # (archive name, bytes, mode)
    for path in sorted((HERE / "fogbank").rglob("*.py")):
        files.append((path.relative_to(HERE).as_posix(), path.read_bytes(), 0o644))
    exe = "fogbank.exe" if plat.startswith("win") else "fogbank"
    files.append((f"{name}-{version}.data/scripts/{exe}", pathlib.Path(binary).read_bytes(), 0o755))
    files.append((f"{dist_info}/METADATA", metadata(project, version).encode(), 0o644))
    wheel = f"Wheel-Version: 1.0\nGenerator: fogbank build_wheel.py\nRoot-Is-Purelib: false\nTag: {tag}\n"
    files.append((f"{dist_info}/WHEEL", wheel.encode(), 0o644))
    files.append((f"{dist_info}/entry_points.txt", entry_points(project).encode(), 0o644))
    record = io.StringIO()
    for arc, data, _ in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{arc},sha256={digest},{len(data)}\n")
    record.write(f"{dist_info}/RECORD,,\n")
    files.append((f"{dist_info}/RECORD", record.getvalue().encode(), 0o644))

    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for arc, data, mode in files:
            info = zipfile.ZipInfo(arc, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return target


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary", help="the built fogbank executable")
    ap.add_argument("--out", default=str(ROOT / "target" / "wheels"), help="output directory")
    ap.add_argument("--plat", default=platform_tag(), help="platform tag (default: this machine's)")
    args = ap.parse_args()
    print(build(args.binary, args.out, args.plat))


if __name__ == "__main__":
    main()
