#!/usr/bin/env node
// Smoke test of the packed package, as a user gets it: `npm pack`, install the tarball into a fresh
// project, then `import` and `require` the root and every provider subpath, and make real calls
// against a local stub server. Exits non-zero, loudly, on the first failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'pixmux-smoke-'));
const run = (command, args, cwd) => execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

/**
 * The local provider from the installed package: its worker file must be found beside the ESM and the CJS build.
 * Runs a small real model from ../shared when that folder exists; says so and skips otherwise.
 */
function smokeLocal(app) {
  const model = resolve(root, '../shared/fixtures/models/pphumanseg_lite_portrait_398x224.onnx');
  if (!existsSync(model)) {
    console.log(`smoke: local provider skipped (no model at ${model})`);
    return;
  }
  const versions = ['onnxruntime-node', 'sharp'].map((name) => `${name}@${pkg.devDependencies[name]}`);
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...versions], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  const photo = join(root, 'test/fixtures/skimage_astronaut.png');
  const body = (label) => `
    const px = createPixmux({ providers: [local({ device: 'cpu', workers: 1, models: { removeBackground: { path: ${JSON.stringify(model)}, preset: 'pphumanseg' } } })], input: { files: true } });
    const result = await px.removeBackground({ image: ${JSON.stringify(photo)} });
    const image = result.images[0];
    if (image.mediaType !== 'image/png' || image.width !== 512 || image.height !== 512) throw new Error('${label}: unexpected cut-out ' + JSON.stringify(image));
    if (result.metadata.device !== 'cpu') throw new Error('${label}: unexpected device ' + result.metadata.device);
    await px.dispose();
    console.log('smoke: ${label} local removeBackground ok (' + image.width + 'x' + image.height + ' ' + image.mediaType + ', ' + result.timings.totalMs + ' ms)');`;
  writeFileSync(join(app, 'local.mjs'), `import { createPixmux } from 'pixmux';\nimport { local } from 'pixmux/providers/local';\n${body('ESM')}\n`);
  writeFileSync(join(app, 'local.cjs'), `const { createPixmux } = require('pixmux');\nconst { local } = require('pixmux/providers/local');\n(async () => {${body('CJS')}\n})().catch((error) => { console.error(error); process.exit(1); });\n`);
  process.stdout.write(run(process.execPath, ['local.mjs'], app));
  process.stdout.write(run(process.execPath, ['local.cjs'], app));
}

/**
 * Local generation from the installed package: the worker must find @huggingface/tokenizers (an optional peer) in
 * the app's node_modules. The model folder is the tests' synthetic one (test/local/helpers/generate-models.ts,
 * compiled with esbuild where onnx-proto resolves from the repo).
 */
async function smokeGenerate(app) {
  const versions = ['onnxruntime-node', 'sharp', '@huggingface/tokenizers'].map((name) => `${name}@${pkg.devDependencies[name]}`);
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...versions], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  const { build } = await import('esbuild');
  const outfile = join(root, 'node_modules/.cache/pixmux-smoke/generate-models.mjs');
  await build({ entryPoints: [join(root, 'test/local/helpers/generate-models.ts')], outfile, bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'silent' });
  const { writeGenerateFolder } = await import(pathToFileURL(outfile).href);
  const folder = writeGenerateFolder(join(work, 'sd-turbo'), { pipeline: 'sd-turbo' });
  const body = (label) => `
    const px = createPixmux({ providers: [local({ device: 'cpu', workers: 1, models: { generate: { path: ${JSON.stringify(folder)}, pipeline: 'sd-turbo' } } })] });
    const result = await px.generate({ prompt: 'a cat', size: '64x64', n: 2, seed: 1 });
    if (result.images.length !== 2 || result.images.some((image) => image.mediaType !== 'image/png' || image.width !== 64)) throw new Error('${label}: unexpected images ' + JSON.stringify(result.images));
    await px.dispose();
    console.log('smoke: ${label} local generate ok (' + result.images.length + ' images, ' + result.metadata.pipeline + ', ' + result.timings.totalMs + ' ms)');`;
  writeFileSync(join(app, 'generate.mjs'), `import { createPixmux } from 'pixmux';\nimport { local } from 'pixmux/providers/local';\n${body('ESM')}\n`);
  writeFileSync(join(app, 'generate.cjs'), `const { createPixmux } = require('pixmux');\nconst { local } = require('pixmux/providers/local');\n(async () => {${body('CJS')}\n})().catch((error) => { console.error(error); process.exit(1); });\n`);
  process.stdout.write(run(process.execPath, ['generate.mjs'], app));
  process.stdout.write(run(process.execPath, ['generate.cjs'], app));
}

/** pixmux/queue in a project without bullmq and ioredis: it imports, and its first call is a typed error naming them. */
function smokeQueueWithoutPeers(app) {
  const check = (label) => `
    const error = await createQueue({ connection: 'redis://127.0.0.1:9', name: 'smoke' }).progress().then(() => null, (e) => e);
    if (error?.code !== 'provider_unavailable' || !/npm install bullmq ioredis/.test(error.message)) throw new Error('${label}: expected provider_unavailable naming bullmq, got ' + error);
    console.log('smoke: ${label} pixmux/queue without bullmq: typed provider_unavailable');`;
  writeFileSync(join(app, 'queue.mjs'), `import { createQueue } from 'pixmux/queue';\n${check('ESM')}\n`);
  writeFileSync(join(app, 'queue.cjs'), `const { createQueue } = require('pixmux/queue');\n(async () => {${check('CJS')}\n})().catch((error) => { console.error(error); process.exit(1); });\n`);
  process.stdout.write(run(process.execPath, ['queue.mjs'], app));
  process.stdout.write(run(process.execPath, ['queue.cjs'], app));
}

/** A one-route stub of an OpenAI-compatible server: 200 with a PNG, or 401 for the "bad" model. */
const STUB_SERVER = `
const http = require('node:http');
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
exports.startStub = () => new Promise((resolve) => {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const json = JSON.parse(body || '{}');
      res.setHeader('content-type', 'application/json');
      if (req.url !== '/v1/images/generations') { res.statusCode = 404; return res.end('{}'); }
      if (json.model === 'bad') { res.statusCode = 401; return res.end(JSON.stringify({ error: { message: 'bad key' } })); }
      res.end(JSON.stringify({ data: [{ b64_json: PNG }] }));
    });
  });
  server.listen(0, '127.0.0.1', () => resolve({ url: 'http://127.0.0.1:' + server.address().port + '/v1', close: () => server.close() }));
});
exports.nativeLoaded = () => process.report.getReport().sharedObjects.filter((file) => /onnxruntime|sharp|libvips/i.test(file));
`;

function calls(label) {
  return `
  const stub = await startStub();
  try {
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: stub.url, model: 'm', apiKey: 'smoke-key-123456' })] });
    const result = await px.generate({ prompt: 'smoke' });
    if (result.images[0].width !== 1 || result.images[0].mediaType !== 'image/png') throw new Error('${label}: unexpected image ' + JSON.stringify(result.images[0]));
    const error = await px.generate({ prompt: 'smoke', model: 'bad' }).then(() => null, (e) => e);
    if (!PixmuxError.isInstance(error) || error.attempts[0].error.code !== 'auth') throw new Error('${label}: expected a typed auth failure, got ' + error);
    if (JSON.stringify(error).includes('smoke-key-123456')) throw new Error('${label}: the key leaked into an error');
    // pixmux/ai-sdk, imported before any AI SDK package is installed: the bridge needs none of them at run time.
    const bridged = createPixmux({ providers: [openaiCompatible({ baseURL: stub.url, model: 'm' })] });
    const generated = await toAiSdk(bridged).doGenerate({ prompt: 'smoke', n: 1, size: undefined, aspectRatio: undefined, seed: undefined, files: undefined, mask: undefined, providerOptions: {} });
    if (!(generated.images[0] instanceof Uint8Array) || generated.providerMetadata.pixmux.provider !== 'openai-compatible') throw new Error('${label}: toAiSdk answered ' + JSON.stringify(generated.providerMetadata));
    const native = nativeLoaded();
    if (native.length > 0) throw new Error('${label}: importing pixmux loaded native code: ' + native.join(', '));
    console.log('smoke: ${label} ok (generate, typed error, toAiSdk without the AI SDK installed, no native code loaded)');
  } finally {
    stub.close();
  }`;
}

function esmProbe(subpaths) {
  return `import { createRequire } from 'node:module';
import { createPixmux, PixmuxError } from 'pixmux';
import { openaiCompatible } from 'pixmux/providers/openai-compatible';
import { toAiSdk } from 'pixmux/ai-sdk';
const { startStub, nativeLoaded } = createRequire(import.meta.url)('./stub.cjs');
for (const subpath of ${JSON.stringify(subpaths)}) {
  const module = await import('pixmux/' + subpath.slice(2));
  if (Object.keys(module).length === 0) throw new Error('ESM import of pixmux/' + subpath.slice(2) + ' exported nothing');
}
${calls('ESM import')}
`;
}

function cjsProbe(subpaths) {
  return `const { createPixmux, PixmuxError } = require('pixmux');
const { openaiCompatible } = require('pixmux/providers/openai-compatible');
const { toAiSdk } = require('pixmux/ai-sdk');
const { startStub, nativeLoaded } = require('./stub.cjs');
for (const subpath of ${JSON.stringify(subpaths)}) {
  const module = require('pixmux/' + subpath.slice(2));
  if (Object.keys(module).length === 0) throw new Error('CJS require of pixmux/' + subpath.slice(2) + ' exported nothing');
}
(async () => {
${calls('CJS require')}
})().catch((error) => { console.error(error); process.exit(1); });
`;
}

/**
 * The shipped types as a strict consumer compiles them: skipLibCheck off, exactOptionalPropertyTypes and
 * noUncheckedIndexedAccess on, every subpath imported, in an ES module and a CommonJS file (both type conditions).
 */
function typecheckConsumer(app, subpaths) {
  const names = subpaths.map((subpath, index) => [`p${index}`, `pixmux/${subpath.slice(2)}`]);
  const body = `
const px = createPixmux({ providers: [openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1', model: 'm' }), local({ device: 'cpu' })], telemetry: false });
export async function use(): Promise<PixmuxResult> {
  const result = await px.removeBackground({ image: new Uint8Array(8), providerOptions: { local: { output: 'mask' } satisfies LocalRemoveBackgroundOptions } });
  const device: 'cuda' | 'cpu' | 'webgpu' | undefined = result.metadata.device;
  const spec: ModelSpec = MODELS['birefnet-general-lite'];
  const status: PixmuxStatus = await px.status();
  console.log(device, spec.id, status.providers.length, ${names.map(([name]) => name).join(', ')});
  return result;
}`;
  const imports = (from) => [
    `import { createPixmux, type PixmuxResult, type PixmuxStatus } from ${from('pixmux')};`,
    `import { local, MODELS, type LocalRemoveBackgroundOptions, type ModelSpec } from ${from('pixmux/providers/local')};`,
    `import { openaiCompatible } from ${from('pixmux/providers/openai-compatible')};`,
    ...names.map(([name, specifier]) => `import * as ${name} from ${from(specifier)};`),
  ].join('\n');
  writeFileSync(join(app, 'consumer.mts'), `${imports((specifier) => `'${specifier}'`)}\n${body}\n`);
  writeFileSync(join(app, 'consumer.cts'), `${imports((specifier) => `'${specifier}'`)}\n${body}\n`);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
      files: ['consumer.mts', 'consumer.cts'],
    }),
  );
  try {
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], app);
  } catch (error) {
    throw new Error(`the shipped types do not compile in a strict consumer:\n${error.stdout ?? error.message}`);
  }
  console.log('smoke: the shipped types compile in a strict consumer (skipLibCheck off, exactOptionalPropertyTypes), ESM and CJS');
}

try {
  // `prepack` builds the package (types included); after `npm run build` (as in .ci/run) that work is already done.
  const built = existsSync(join(root, 'dist/index.d.ts')) && existsSync(join(root, 'dist/cli/index.js'));
  const tarball = join(work, run('npm', ['pack', '--silent', ...(built ? ['--ignore-scripts'] : []), '--pack-destination', work], root).trim().split('\n').at(-1));
  console.log(`smoke: packed ${tarball}`);
  const app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke-app', private: true, version: '0.0.0' }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], app);
  console.log('smoke: installed the tarball into a fresh project');

  // pixmux/queue loads bullmq and ioredis only on first use: it imports (and type-checks) in a project without them.
  const subpaths = Object.keys(pkg.exports).filter((key) => key.startsWith('./providers/') || key === './ai-sdk' || key === './queue');
  writeFileSync(join(app, 'stub.cjs'), STUB_SERVER);
  writeFileSync(join(app, 'probe.mjs'), esmProbe(subpaths));
  writeFileSync(join(app, 'probe.cjs'), cjsProbe(subpaths));
  process.stdout.write(run(process.execPath, ['probe.mjs'], app));
  process.stdout.write(run(process.execPath, ['probe.cjs'], app));
  // pixmux/ai-sdk's types name @ai-sdk/provider's (an optional peer): a consumer of that subpath has it installed.
  // @ai-sdk/provider's own types import 'json-schema', which ships none: with skipLibCheck off (as here) an AI SDK
  // user needs @types/json-schema too, with or without pixmux.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', `@ai-sdk/provider@${pkg.devDependencies['@ai-sdk/provider']}`, '@types/json-schema@^7.0.15'], app);
  typecheckConsumer(app, subpaths);
  smokeQueueWithoutPeers(app);
  smokeLocal(app);
  await smokeGenerate(app);
  // The `pixmux` bin: installed, executable, and answering without network or configuration.
  const help = run(join(app, 'node_modules/.bin/pixmux'), ['--help'], app);
  if (!help.includes('pixmux remove-bg')) throw new Error(`pixmux --help printed: ${help}`);
  const providers = JSON.parse(run(join(app, 'node_modules/.bin/pixmux'), ['providers', '--json'], app));
  if (providers.providers[0]?.id !== 'local') throw new Error(`pixmux providers --json: ${JSON.stringify(providers)}`);
  console.log('smoke: pixmux bin ok (--help, providers)');
  console.log('smoke: passed');
} catch (error) {
  console.error(`smoke: FAILED: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
