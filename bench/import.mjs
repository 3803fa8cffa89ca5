// Import cost, as a user's process pays it: many whole `node -e "import(...)"` runs of
//   bare    node with nothing imported,
//   pixmux  `pixmux` + `pixmux/providers/openai-compatible` (the built dist/, resolved as the package),
//   ai-sdk  `ai` + `@ai-sdk/openai-compatible` (dev dependencies),
//   zod     zod alone, for reference (both of the above load it),
// interleaved so that machine noise falls on all alike. Prints the median wall time of each, what each adds
// over bare node, and the ratio pixmux added / ai-sdk added; lists the packages importing pixmux loads at once and
// fails if onnxruntime-node or sharp is among them.
//   npm run bench:import                     (builds first)
//   BENCH_RUNS=40 node bench/import.mjs
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const root = fileURLToPath(new URL('..', import.meta.url));

const cases = [
  ['bare', 'void 0'],
  ['pixmux', "Promise.all([import('pixmux'), import('pixmux/providers/openai-compatible')])"],
  ['ai-sdk', "Promise.all([import('ai'), import('@ai-sdk/openai-compatible')])"],
  // For reference: the one package both of the above load at import.
  ['zod', "import('zod')"],
];

function runOnce(code) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['-e', code], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node -e ${JSON.stringify(code)} failed: ${result.stderr}`);
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// What importing pixmux loads at once: the packages its built entry files reach through static imports (dynamic
// `import()`s are lazy and not followed). onnxruntime-node and sharp must never be among them.
function staticPackages(entries) {
  const seen = new Set();
  const packages = new Set();
  const queue = entries.map((entry) => resolve(root, entry));
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)) {
      const specifier = match[1] ?? match[2];
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else packages.add(specifier);
    }
  }
  return [...packages].sort();
}
const loaded = staticPackages(['dist/index.js', 'dist/providers/openai-compatible/index.js']).filter((name) => !name.startsWith('node:') && name !== 'pixmux');
const native = loaded.filter((name) => /^(onnxruntime-node|sharp)(\/|$)/.test(name));
if (native.length > 0) throw new Error(`importing pixmux loads ${native.join(', ')}`);

for (const [, code] of cases) runOnce(code); // warm the file system cache
const samples = Object.fromEntries(cases.map(([name]) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (let i = 0; i < cases.length; i++) {
    const [name, code] = cases[(run + i) % cases.length];
    samples[name].push(runOnce(code));
  }
}

const medians = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
const added = (name) => medians[name] - medians.bare;
console.log(`import cost, whole processes: ${RUNS} runs each, interleaved, medians; node ${process.version}\n`);
console.log('                                              │ median   added over bare node');
console.log(`bare node                                     │ ${medians.bare.toFixed(1).padStart(6)} ms`);
console.log(`pixmux + pixmux/providers/openai-compatible   │ ${medians.pixmux.toFixed(1).padStart(6)} ms  ${added('pixmux').toFixed(1).padStart(6)} ms`);
console.log(`ai + @ai-sdk/openai-compatible                │ ${medians['ai-sdk'].toFixed(1).padStart(6)} ms  ${added('ai-sdk').toFixed(1).padStart(6)} ms`);
console.log(`zod alone (loaded by both)                    │ ${medians.zod.toFixed(1).padStart(6)} ms  ${added('zod').toFixed(1).padStart(6)} ms`);
console.log(`\npackages pixmux loads at import: ${loaded.length > 0 ? loaded.join(', ') : 'none'} (builtins and pixmux itself aside)`);
console.log(`pixmux added / ai-sdk added: ${(added('pixmux') / added('ai-sdk')).toFixed(2)}× (target ≤ 0.50×)`);
