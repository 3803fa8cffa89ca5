import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, TINY_PNG } from '../cli/helpers.js';

const run = promisify(execFile);

/**
 * The examples a user copies from, run as they ship (against the built package) with loopback stubs of an
 * OpenAI-compatible server in place of real hosts: an example that stops working fails the suite.
 */
describe('examples run', () => {
  let server: Server;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), 'pixmux-examples-'));
  const seen: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/mj/')) return midjourneyProxy(req.method ?? '', req.url, res);
        // /down/… fails like a GPU box that is out of memory; everything else answers with a 1×1 PNG.
        if (req.url?.startsWith('/down/')) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"CUDA out of memory"}}');
        // A Gemini `generateContent` call gets Google's answer shape: the image as an inlineData part, text beside it.
        if (req.url?.endsWith(':generateContent')) {
          const parts = [{ text: 'A boat.' }, { inlineData: { mimeType: 'image/png', data: TINY_PNG.toString('base64') } }];
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP' }] }));
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ b64_json: TINY_PNG.toString('base64') }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }, 180_000);
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A stub of the common Midjourney-proxy shape: imagine → task id, the task runs once, then four image URLs. */
  let taskReads = 0;
  function midjourneyProxy(method: string, url: string, res: ServerResponse) {
    const json = (body: unknown) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (method === 'POST' && url === '/mj/imagine') return json({ taskId: 't1' });
    if (method === 'GET' && url === '/mj/tasks/t1') {
      taskReads += 1;
      return json(taskReads === 1 ? { status: 'running' } : { status: 'completed', imageUrls: [0, 1, 2, 3].map((n) => `${base}/mj/img/${n}.png`) });
    }
    if (method === 'GET' && url.startsWith('/mj/img/')) return void res.writeHead(200, { 'content-type': 'image/png' }).end(TINY_PNG);
    res.writeHead(404).end();
  }

  const node = (script: string, args: string[], env: Record<string, string>) =>
    run(process.execPath, [join(ROOT, 'examples', script), ...args], { cwd: dir, env: { ...process.env, ...env }, timeout: 120_000 });

  it('openai-compatible-generate.mjs: one image from the server it is pointed at', async () => {
    const { stdout } = await node('openai-compatible-generate.mjs', ['a red bicycle'], { OPENAI_COMPATIBLE_BASE_URL: `${base}/v1`, OPENAI_COMPATIBLE_MODEL: 'stub' });
    expect(stdout).toMatch(/wrote out\/openai-compatible\.png: provider openai-compatible, model stub/);
  });

  it('together-generate.mjs: one image through the Together provider, pointed at the stub', async () => {
    const { stdout } = await node('together-generate.mjs', ['a red bicycle'], { TOGETHER_API_KEY: 'stub-key', TOGETHER_BASE_URL: `${base}/together/v1` });
    expect(stdout).toMatch(/wrote out\/together-0\.png \(1x1\): provider together, model black-forest-labs\/FLUX\.1-schnell/);
    expect(seen).toContain('/together/v1/images/generations');
  });

  // The vendor examples make billed calls to the real APIs; without their key each says what to set and exits 0.
  it.each([
    ['openai-generate.mjs', 'OPENAI_API_KEY'],
    ['stability-generate.mjs', 'STABILITY_API_KEY'],
    ['replicate-generate.mjs', 'REPLICATE_API_TOKEN'],
    ['fal-remove-background.mjs', 'FAL_KEY'],
    ['pixelapi-restore-face.mjs', 'PIXELAPI_API_KEY'],
    ['removebg-remove-background.mjs', 'REMOVE_BG_API_KEY'],
    ['together-generate.mjs', 'TOGETHER_API_KEY'],
    ['bfl-generate.mjs', 'BFL_API_KEY'],
    ['huggingface-remove-background.mjs', 'HF_TOKEN'],
    ['photoroom-remove-background.mjs', 'PHOTOROOM_API_KEY'],
    ['clipdrop-generate.mjs', 'CLIPDROP_API_KEY'],
    ['midjourney-proxy.mjs', 'MIDJOURNEY_PROXY_URL'],
  ])('%s without %s: skips and says which variable to set', async (script, variable) => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'examples', script)], { cwd: dir, env: { ...process.env, [variable]: '' }, timeout: 60_000 });
    expect(stdout).toMatch(new RegExp(`^skipped: set ${variable} `));
  });

  it('google-generate.mjs: one image from a Gemini-shaped server, with the text the model wrote beside it', async () => {
    const { stdout } = await node('google-generate.mjs', ['a paper boat'], { GEMINI_API_KEY: 'stub-key', GOOGLE_BASE_URL: `${base}/v1beta` });
    expect(stdout).toMatch(/wrote out\/google\.png: provider google, model gemini-2\.5-flash-image, \$0\.039/);
    expect(stdout).toMatch(/the model said: A boat\./);
    expect(seen).toContain('/v1beta/models/gemini-2.5-flash-image:generateContent');
  });

  it('google-generate.mjs without GEMINI_API_KEY or GOOGLE_API_KEY: skips and names both', async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'examples', 'google-generate.mjs')], { cwd: dir, env: { ...process.env, GEMINI_API_KEY: '', GOOGLE_API_KEY: '' }, timeout: 60_000 });
    expect(stdout).toMatch(/^skipped: set GEMINI_API_KEY \(or GOOGLE_API_KEY\) /);
  });

  it('ai-sdk.mjs: generateImage through toAiSdk(pixmux) runs an AI SDK model wrapped with fromAiSdk; without a server or key it skips', async () => {
    const { stdout } = await node('ai-sdk.mjs', ['a red bicycle'], { IMAGE_API_URL: `${base}/ai-sdk/v1`, OPENAI_API_KEY: '' });
    expect(stdout).toMatch(/^wrote out\/ai-sdk\.png: provider gpu-box, model flux-schnell, \$0, 1 attempt\(s\)$/m);
    expect(seen).toContain('/ai-sdk/v1/images/generations');
    const skipped = await node('ai-sdk.mjs', [], { IMAGE_API_URL: '', OPENAI_API_KEY: '' });
    expect(skipped.stdout).toMatch(/^skipped: set IMAGE_API_URL /);
  });

  it('midjourney-proxy.mjs: submits, polls the task and downloads the four images from the proxy it is pointed at', async () => {
    const { stdout } = await node('midjourney-proxy.mjs', ['a lighthouse'], { MIDJOURNEY_PROXY_URL: `${base}/mj`, MIDJOURNEY_PROXY_KEY: 'mj-stub-key' });
    expect(stdout).toMatch(/wrote 4 images to out\/: provider midjourney-proxy, task t1, \$0\.1,/);
    expect(seen.filter((url) => url.startsWith('/mj/'))).toEqual(['/mj/imagine', '/mj/tasks/t1', '/mj/tasks/t1', '/mj/img/0.png', '/mj/img/1.png', '/mj/img/2.png', '/mj/img/3.png']);
  });

  it('custom-provider.mjs: an in-house provider fails over to its backup', async () => {
    const { stdout } = await node('custom-provider.mjs', [], {});
    expect(stdout).toMatch(/backup/);
  });

  it('serverless-handler.mjs: a Web Request in, the image out', async () => {
    const { stdout } = await node('serverless-handler.mjs', ['a red bicycle'], { IMAGE_API_URL: `${base}/v1` });
    expect(stdout.trim()).toMatch(/^200 image\/png from openai-compatible, \d+ bytes$/);
  });

  it('batch-script.mjs: one file per prompt, a summary, exit 0', async () => {
    const prompts = join(dir, 'prompts.txt');
    writeFileSync(prompts, 'a cat\n\na dog\na fox\n');
    const out = join(dir, 'batch-out');
    const { stdout } = await node('batch-script.mjs', [prompts, out], { IMAGE_API_URL: `${base}/v1` });
    expect(stdout).toMatch(/3 written, 0 failed/);
    expect(readdirSync(out).sort()).toEqual(['00000.png', '00001.png', '00002.png']);
  });

  it('stack-with-budget.mjs: a GPU box that is down spills every call to the cheap tier, spend counted against the day', async () => {
    const { stdout } = await node('stack-with-budget.mjs', ['a bicycle', '6'], { GPU_URL: `${base}/down/v1`, CHEAP_URL: `${base}/cheap/v1`, PREMIUM_URL: `${base}/premium/v1` });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ served: { cheap: 6 }, spentToday: 0.018, limit: 5 });
    expect(seen.some((url) => url.startsWith('/premium/'))).toBe(false);
  });

  it('http-endpoint.mjs: POST /generate answers with the PNG, a bad request with 400 and its code', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'examples/http-endpoint.mjs')], { cwd: dir, env: { ...process.env, PORT: '0', IMAGE_API_URL: `${base}/v1` } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /listening on (\S+)/.exec(chunk.toString());
          if (match) resolve(match[1]!);
        });
        child.on('exit', (code) => reject(new Error(`the endpoint exited with ${code}`)));
      });
      const ok = await fetch(url, { method: 'POST', body: JSON.stringify({ prompt: 'a red bicycle' }) });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('image/png');
      expect(ok.headers.get('x-provider')).toBe('openai-compatible');
      expect(Buffer.from(await ok.arrayBuffer()).equals(TINY_PNG)).toBe(true);
      const bad = await fetch(url, { method: 'POST', body: JSON.stringify({ prompt: '' }) });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request' } });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
