import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every `@example` in the JSDoc of src/ and providers/: the code a user copies from an editor's tooltip. */
function examples(): Array<{ where: string; code: string }> {
  const found: Array<{ where: string; code: string }> = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const comment of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
          const lines = comment[1]!.split('\n').map((line) => line.replace(/^\s*\* ?/, ''));
          lines.forEach((line, index) => {
            if (!line.trim().startsWith('@example')) return;
            const body: string[] = [];
            for (const next of lines.slice(index + 1)) {
              if (next.trim().startsWith('@')) break;
              body.push(next);
            }
            const line0 = text.slice(0, comment.index).split('\n').length + index;
            found.push({ where: `${relative(ROOT, path)}:${line0}`, code: body.join('\n').trim() });
          });
        }
      }
    }
  };
  walk(join(ROOT, 'src'));
  walk(join(ROOT, 'providers'));
  return found;
}

/** What an example may take for granted: the packages' exports, a client, and the user's own data and helpers. */
const PRELUDE = `
import { createPixmux, defineProvider, pollJob, redisBudgetStore, type Pixmux, type Provider, type ProviderContext } from 'pixmux';
import { openai } from 'pixmux/providers/openai';
import { openaiCompatible } from 'pixmux/providers/openai-compatible';
import { replicate } from 'pixmux/providers/replicate';
import { fal } from 'pixmux/providers/fal';
import { stability } from 'pixmux/providers/stability';
import { removebg } from 'pixmux/providers/removebg';
import { pixelapi } from 'pixmux/providers/pixelapi';
import { together } from 'pixmux/providers/together';
import { bfl } from 'pixmux/providers/bfl';
import { local } from 'pixmux/providers/local';
declare const px: Pixmux;
declare const providers: Provider[];
declare const bytes: Uint8Array;
declare const photoBytes: Uint8Array;
declare const photos: Uint8Array[];
declare const ctx: ProviderContext;
declare const cancelUrl: string;
declare function save(index: number, bytes: Uint8Array): Promise<void>;
declare function readJob(signal: AbortSignal): Promise<{ status: 'done' | 'running'; output: unknown }>;
declare function alert(message: string): void;
void [createPixmux, defineProvider, pollJob, redisBudgetStore, openai, openaiCompatible, replicate, fal, stability, removebg, pixelapi, together, bfl, local];
`;

describe('JSDoc examples', () => {
  const all = examples();

  it('there are examples to check', () => {
    expect(all.length).toBeGreaterThan(15);
  });

  it('every @example compiles against the public types', () => {
    const files = new Map<string, string>();
    all.forEach(({ code }, index) => {
      const imports = code.split('\n').filter((line) => line.startsWith('import '));
      const body = code.split('\n').filter((line) => !line.startsWith('import ')).join('\n');
      files.set(join(ROOT, `test/.jsdoc-example-${index}.ts`), `${imports.join('\n')}\n${PRELUDE}\nexport async function example(): Promise<void> {\n${body}\n}\n`);
    });
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      baseUrl: ROOT,
      paths: { pixmux: ['./src/index.ts'], 'pixmux/providers/*': ['./providers/*/index.ts'], 'pixmux/ai-sdk': ['./src/ai-sdk/index.ts'], 'pixmux/queue': ['./src/queue/index.ts'] },
      noUnusedLocals: false,
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (name) => files.get(name) ?? readFile(name);
    host.fileExists = (name) => files.has(name) || fileExists(name);
    const program = ts.createProgram([...files.keys()], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file && files.has(diagnostic.file.fileName))
      .map((diagnostic) => {
        const index = Number(/jsdoc-example-(\d+)/.exec(diagnostic.file!.fileName)![1]);
        return `${all[index]!.where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 120_000);
});
