/** The URL without its query string, which may carry a signature: safe for messages. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

/**
 * The URL a vendor returned, when it is on the origin the provider was configured with; otherwise undefined, so
 * the provider builds the URL itself and its key goes only where it was configured to go (proxies included).
 */
export function urlOnOrigin(url: string | undefined, baseURL: string): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin === new URL(baseURL).origin ? url : undefined;
  } catch {
    return undefined;
  }
}
