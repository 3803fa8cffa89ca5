import type { NormalizedRequests, Operation, Provider } from 'pixmux';
import type { CliArgs } from './args.js';
import { loadConfig, resolveOrder, resolveProviders, VENDORS } from './config.js';
import { EXIT } from './usage.js';

const OPERATIONS: Operation[] = ['generate', 'removeBackground', 'restoreFace'];

/** A typical request per operation (a 1024² PNG, one image), to ask each provider for its estimate. */
const SAMPLE: NormalizedRequests = {
  generate: { prompt: 'a sample', negativePrompt: undefined, size: { width: 1024, height: 1024 }, aspectRatio: undefined, n: 1, seed: undefined, format: 'png', model: undefined, providerOptions: {} },
  removeBackground: { image: { bytes: new Uint8Array(0), mediaType: 'image/png', width: 1024, height: 1024 }, format: 'png', model: undefined, providerOptions: {} },
  restoreFace: { image: { bytes: new Uint8Array(0), mediaType: 'image/png', width: 1024, height: 1024 }, fidelity: 0.5, format: 'png', model: undefined, providerOptions: {} },
};

function estimate(provider: Provider, operation: Operation): number | undefined {
  try {
    const price = provider.price?.(operation, SAMPLE[operation], { remainingMs: 120_000 });
    return typeof price === 'number' && Number.isFinite(price) ? price : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `pixmux providers`: what is configured, its tier, what each operation is estimated to cost for a 1024² image, and
 * whether its credentials are present. Only the presence of a key is shown, never the key.
 */
export async function runProvidersCommand(args: CliArgs): Promise<number> {
  const config = await loadConfig(args.config);
  const providers = await resolveProviders(config, args, undefined);
  const order = resolveOrder(config, args, providers);
  const rows = providers.map((provider) => {
    const envVar = (VENDORS as Record<string, string>)[provider.id];
    const operations = OPERATIONS.filter((operation) => provider.operations[operation] !== undefined);
    return {
      id: provider.id,
      tier: provider.tier,
      operations: Object.fromEntries(operations.map((operation) => [operation, { estimateUsd: estimate(provider, operation) ?? null }])),
      credentials: provider.hasCredentials ? provider.hasCredentials() : true,
      ...(envVar ? { envVar } : {}),
    };
  });
  const unconfigured = Object.entries(VENDORS).filter(([vendor]) => !providers.some((provider) => provider.id === vendor)).map(([vendor, envVar]) => ({ id: vendor, envVar }));
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ providers: rows, order: order ?? null, notConfigured: unconfigured })}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`configured providers${order ? ` (order: ${order.join(' → ')})` : ' (order: by tier, local → cheap → premium)'}:\n`);
  for (const row of rows) {
    const prices = Object.entries(row.operations)
      .map(([operation, { estimateUsd }]) => `${operation} ${estimateUsd === null ? 'unpriced' : `≤ $${estimateUsd.toFixed(4)}`}`)
      .join(', ');
    const credentials = row.credentials ? 'credentials present' : `no credentials${row.envVar ? ` (set ${row.envVar})` : ''}`;
    process.stdout.write(`  ${row.id.padEnd(18)} ${row.tier.padEnd(8)} ${credentials.padEnd(24)} ${prices}\n`);
  }
  if (unconfigured.length > 0) process.stdout.write(`not configured: ${unconfigured.map((vendor) => `${vendor.id} (${vendor.envVar})`).join(', ')}\n`);
  return EXIT.ok;
}
