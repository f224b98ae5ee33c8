// Builds the per-platform npm package that carries the fogbank binary, the layout esbuild uses:
// `@fogbank/<platform>-<arch>` with `os`/`cpu` fields, so npm installs only the matching one as
// an optional dependency of `fogbank`.
//   node packages/npm/make-platform-package.mjs <binary> <out dir> [platform] [arch] [--local <dir>]
// With `--local <dir>`, also writes a copy of the `fogbank` package whose only optional
// dependency is this platform's package, as a `file:` path: both install from the file system
// (test.sh, the examples) without asking the registry for any `@fogbank/*` package.
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const at = argv.indexOf('--local');
const local = at >= 0 ? argv.splice(at, 2)[1] : undefined;
const [binary, out, platform = process.platform, arch = process.arch] = argv;
if (!binary || !out) {
  console.error('usage: make-platform-package.mjs <binary> <out dir> [platform] [arch]');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const main = JSON.parse(readFileSync(path.join(here, 'fogbank', 'package.json'), 'utf8'));
const name = `@fogbank/${platform}-${arch}`;
if (!(name in main.optionalDependencies)) {
  console.error(`${name} is not one of fogbank's optional dependencies`);
  process.exit(2);
}
mkdirSync(path.join(out, 'bin'), { recursive: true });
copyFileSync(binary, path.join(out, 'bin', 'fogbank'));
chmodSync(path.join(out, 'bin', 'fogbank'), 0o755);
writeFileSync(
  path.join(out, 'package.json'),
  JSON.stringify(
    {
      name,
      version: main.version,
      description: `The fogbank binary for ${platform}-${arch}`,
      license: main.license,
      os: [platform],
      cpu: [arch],
      files: ['bin/fogbank'],
      preferUnplugged: true,
    },
    null,
    2,
  ) + '\n',
);
console.log(`${name}@${main.version} -> ${out}`);
if (local) {
  cpSync(path.join(here, 'fogbank'), local, { recursive: true });
  // The platform package from the file system, beside this copy.
  main.optionalDependencies = { [name]: `file:${path.relative(local, out)}` };
  writeFileSync(path.join(local, 'package.json'), JSON.stringify(main, null, 2) + '\n');
  console.log(`fogbank@${main.version} (local, ${name} only) -> ${local}`);
}
