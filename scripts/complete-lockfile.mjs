// Adds lockfile entries for platform-specific optional packages that this machine's registry
// mirror does not serve (macOS, Windows, musl and other builds of biome, swc, esbuild, ...).
// npm omits unavailable optional packages from package-lock.json, and then `npm ci` rejects its
// own lockfile as out of sync (npm/cli#9846). Real registries serve them, so a lockfile without
// them breaks `npm ci` everywhere. Run after `npm install` changes dependencies:
//   node scripts/complete-lockfile.mjs
// Entries carry os/cpu/libc inferred from the package name, so npm skips them on other platforms.
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;

const OS = [
  'android',
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openbsd',
  'netbsd',
  'sunos',
  'aix',
  'openharmony',
];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];
const ALIASES = {
  windows: 'win32',
  win: 'win32',
  macos: 'darwin',
  amd64: 'x64',
  x86_64: 'x64',
  aarch64: 'arm64',
};

function platformOf(name) {
  const parts = name
    .split('/')
    .pop()
    .split('-')
    .map((p) => ALIASES[p] ?? p);
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  if (!os && !cpu) return undefined;
  const platform = {};
  if (os) platform.os = [os];
  if (cpu) platform.cpu = [cpu === 'wasm32' ? 'wasm32' : cpu];
  if (parts.includes('musl')) platform.libc = ['musl'];
  else if (os === 'linux' && parts.includes('gnu')) platform.libc = ['glibc'];
  return platform;
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ''}node_modules/${dep}`;
    if (packages[nested] || packages[`node_modules/${dep}`]) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+/.test(version)) {
      console.warn(`left out ${dep}@${version}: not a recognisable platform package`);
      continue;
    }
    packages[`node_modules/${dep}`] = { version, ...platform, optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);
