import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/**
 * An msw server for one test file: every request must match a handler, handlers reset after each test.
 *
 * An unmatched request fails the test it was made in. msw's `onUnhandledRequest: 'error'` alone is not enough:
 * it turns the request into a network error, which the code under test catches and reports as `provider_error`,
 * so a test expecting a `provider_error` would pass against a wrong URL. Each unmatched request is recorded, and
 * `afterEach` fails the test that made it, naming the method and URL.
 */
export function useMswServer() {
  const server = setupServer();
  const unhandled: string[] = [];
  beforeAll(() =>
    server.listen({
      onUnhandledRequest: (request, print) => {
        unhandled.push(`${request.method} ${request.url}`);
        print.error(); // still never let it reach the network
      },
    }),
  );
  afterEach(() => {
    server.resetHandlers();
    const seen = unhandled.splice(0);
    expect(seen, `requests that matched no msw handler (wrong URL or method?):\n  ${seen.join('\n  ')}`).toEqual([]);
  });
  afterAll(() => server.close());
  return server;
}

/**
 * A resolver that never answers: it holds each request until the client gives up on it (its signal aborts), so a
 * missing timeout or abort makes the test time out instead of passing late. `stats` counts requests and aborts.
 */
export function hangUntilAborted(onRequest?: () => void) {
  const stats = { calls: 0, aborted: 0 };
  const resolver = ({ request }: { request: Request }) => {
    stats.calls += 1;
    onRequest?.();
    return new Promise<Response>((resolve) => {
      const done = () => {
        stats.aborted += 1;
        resolve(HttpResponse.error());
      };
      if (request.signal.aborted) done();
      else request.signal.addEventListener('abort', done, { once: true });
    });
  };
  return { resolver, stats };
}
