// A local → cheap → premium stack with a daily budget: your own GPU first, a cheap API when it is busy or down, the
// premium one only when both fail, and never more than $5 a day. Each server here speaks OpenAI's images API (a team's
// own GPU box, a gateway); swap in replicate(), openai() and the others the same way.
//   GPU_URL=… CHEAP_URL=… PREMIUM_URL=… node examples/stack-with-budget.mjs "a red bicycle" [calls]
import { createPixmux } from 'pixmux';
import { openaiCompatible } from 'pixmux/providers/openai-compatible';

const env = process.env;
const px = createPixmux({
  providers: [
    openaiCompatible({ id: 'gpu-box', tier: 'local', baseURL: env.GPU_URL ?? 'http://gpu-box:8000/v1', model: 'flux-schnell', prices: { default: { perImage: 0 } }, maxConcurrency: 2 }),
    openaiCompatible({ id: 'cheap', tier: 'cheap', baseURL: env.CHEAP_URL ?? 'https://cheap.example/v1', model: 'flux-schnell', prices: { default: { perImage: 0.003 } } }),
    openaiCompatible({ id: 'premium', tier: 'premium', baseURL: env.PREMIUM_URL ?? 'https://premium.example/v1', model: 'gpt-image-2', prices: { default: { perImage: 0.04 } } }),
  ],
  policy: { spill: { maxWaitMs: 2_000 } },
  budget: { maxCostPerCallUsd: 0.05, limits: [{ usd: 5, per: 'day' }] },
  retry: { retries: 1 },
});

const prompt = process.argv[2] ?? 'a red bicycle on a white background';
const calls = Number(process.argv[3] ?? 6);
const results = await Promise.allSettled(Array.from({ length: calls }, (_, i) => px.generate({ prompt: `${prompt} #${i}` })));
const served = {};
for (const outcome of results) {
  const key = outcome.status === 'fulfilled' ? outcome.value.provider : `failed: ${outcome.reason.code}`;
  served[key] = (served[key] ?? 0) + 1;
}
const { budget } = await px.status();
console.log(JSON.stringify({ served, spentToday: budget.limits[0].spentUsd, limit: budget.limits[0].limitUsd }));
await px.dispose();
