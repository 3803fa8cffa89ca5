import type { NormalizedRequest } from '../types.js';

/** The request as one provider sees it, by provider id. */
export type RequestFor = (providerId: string) => NormalizedRequest;

/**
 * Each provider sees the call's request with only its own `providerOptions`, the same object in every step —
 * `supports`, `price`, admission and the run — so an estimate prices what will actually be sent.
 */
export function providerRequests(request: NormalizedRequest, providerOptions: Record<string, Record<string, unknown>>): RequestFor {
  const views = new Map<string, NormalizedRequest>();
  return (providerId) => {
    let view = views.get(providerId);
    if (!view) {
      view = { ...request, providerOptions: providerOptions[providerId] ?? {} } as NormalizedRequest;
      views.set(providerId, view);
    }
    return view;
  };
}
