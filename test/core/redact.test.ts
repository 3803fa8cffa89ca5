import { describe, expect, it } from 'vitest';
import { redact } from 'pixmux';
import { claimRegisteredSecrets, redactAttempts, redactDeep, redactErrorInPlace, redactorFor, registerSecret, SecretSet } from '../../src/errors/redact.js';

describe('redact: what looks like a credential', () => {
  it.each(['key', 'api_key', 'api-key', 'apikey', 'APIKEY', 'token', 'access_token', 'access-token', 'auth', 'password', 'secret', 'signature', 'sig', 'X-Amz-Signature', 'x-amz-credential', 'x-goog-signature'])(
    'a %s query parameter',
    (name) => {
      expect(redact(`GET https://h.example/p?a=1&${name}=s3cr3t-v4lue#top`)).toBe(`GET https://h.example/p?a=1&${name}=[redacted]#top`);
      expect(redact(`/p;${name}=abc&x=1 "${name}="`)).toBe(`/p;${name}=[redacted]&x=1 "${name}="`);
    },
  );

  it('leaves other query parameters and a bare key=value in prose alone', () => {
    expect(redact('https://h.example/p?size=1024&model=flux')).toBe('https://h.example/p?size=1024&model=flux');
    expect(redact('the key=value pairs')).toBe('the key=value pairs');
  });

  it.each(['Bearer', 'Key', 'Token', 'Basic'])('a %s credential of 4 characters or more', (scheme) => {
    expect(redact(`sent ${scheme} abcd.EF_gh-1+/= to the api`)).toBe(`sent ${scheme} [redacted] to the api`);
    expect(redact(`${scheme} abc`)).toBe(`${scheme} abc`);
  });

  it.each([
    ['x-api-key: sk-123', 'x-api-key: [redacted]'],
    ['api_key=sk-123, next', 'api_key=[redacted], next'],
    ['{"apiKey":"sk-123"}', '{"apiKey":"[redacted]"}'],
    ["X-Auth-Token = 'tok-1'", "X-Auth-Token = '[redacted]'"],
    ['authorization:abc;rest', 'authorization:[redacted];rest'],
    ['Authorization: Bearer abcdefgh', 'Authorization: Bearer [redacted]'],
  ])('a credential header %j', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('the user and password in a URL, keeping the rest readable', () => {
    expect(redact('connect redis://user:p4ss@cache.example:6379/0 failed')).toBe('connect redis://[redacted]@cache.example:6379/0 failed');
    expect(redact('https://h.example/a@b')).toBe('https://h.example/a@b');
  });
});

describe('SecretSet', () => {
  it('ignores blanks, trims, and counts each secret once', () => {
    const set = new SecretSet([undefined, '', '   ', ' long-secret-value ', 'long-secret-value', 'short', 'short']);
    expect(set.size).toBe(2);
    expect(set.scrub('a long-secret-value b short c')).toBe('a [redacted] b [redacted] c');
  });

  it('replaces a secret of 8 characters or more anywhere, a shorter one only as a whole token', () => {
    const set = new SecretSet(['abcdefgh', 'abcdefg']);
    expect(set.scrub('xxabcdefghxx')).toBe('xx[redacted]xx');
    expect(set.scrub('xxabcdefgxx abcdefg')).toBe('xxabcdefgxx [redacted]');
  });

  it('matches the longest short secret first, and escapes what a pattern would read as syntax', () => {
    const set = new SecretSet(['a.b', 'a.b+c']);
    expect(set.scrub('a.b+c axb a.b')).toBe('[redacted] axb [redacted]');
    set.add('q?');
    expect(set.scrub('q? a.b q')).toBe('[redacted] [redacted] q');
    // The pattern is global: repeated calls keep matching from the start.
    expect(set.scrub('q?')).toBe('[redacted]');
    expect(set.scrub('q?')).toBe('[redacted]');
  });

  it('merges another set, long and short secrets alike', () => {
    const set = new SecretSet();
    set.addAll(new SecretSet(['long-secret-value', 'tiny']));
    expect(set.size).toBe(2);
    expect(set.scrub('long-secret-value tiny tinyx')).toBe('[redacted] [redacted] tinyx');
  });
});

describe('registered secrets and per-client redactors', () => {
  it('hands secrets registered since the last provider to the next one, and no further', () => {
    claimRegisteredSecrets();
    registerSecret('registered-secret-1');
    expect(redact('x registered-secret-1')).toBe('x [redacted]');
    const claimed = claimRegisteredSecrets();
    expect(claimed.scrub('registered-secret-1')).toBe('[redacted]');
    expect(redact('x registered-secret-1')).toBe('x registered-secret-1');
    expect(claimRegisteredSecrets().size).toBe(0);
  });

  it("a client's redactor scrubs its providers' secrets and the patterns", () => {
    const scrub = redactorFor([new SecretSet(['provider-one-key']), new SecretSet(['provider-two-key'])]);
    expect(scrub('provider-one-key provider-two-key ?token=abc')).toBe('[redacted] [redacted] ?token=[redacted]');
    expect(redactorFor([])('Bearer abcdef')).toBe('Bearer [redacted]');
  });
});

describe('redactDeep and redactErrorInPlace', () => {
  const scrub = redactorFor([new SecretSet(['deep-secret-value'])]);

  it('copies plain data with every string scrubbed, leaving bytes, numbers and the original alone', () => {
    const bytes = new Uint8Array([1, 2]);
    const buffer = new ArrayBuffer(2);
    const input = { a: 'deep-secret-value', list: ['ok', { b: 'x deep-secret-value' }], n: 3, nothing: null, flag: true, bytes, buffer };
    const out = redactDeep(input, scrub);
    expect(out).toEqual({ a: '[redacted]', list: ['ok', { b: 'x [redacted]' }], n: 3, nothing: null, flag: true, bytes, buffer });
    expect(out.bytes).toBe(bytes);
    expect(out.buffer).toBe(buffer);
    expect(input.a).toBe('deep-secret-value');
    expect(redactDeep('?key=abc')).toBe('?key=[redacted]');
    expect(redactDeep(undefined)).toBeUndefined();
  });

  it('survives cycles', () => {
    const loop: Record<string, unknown> = { s: 'deep-secret-value' };
    loop.self = loop;
    const out = redactDeep(loop, scrub) as Record<string, unknown>;
    expect(out.s).toBe('[redacted]');
    expect(out.self).toBe(loop);
  });

  it('scrubs an error where it stands: message, stack, vendor code, attempts and its cause chain', () => {
    const root = new Error('root deep-secret-value');
    const middle = new Error('middle deep-secret-value', { cause: root });
    const error = Object.assign(new Error('top deep-secret-value', { cause: middle }), {
      vendorCode: 'code-deep-secret-value',
      attempts: [{ provider: 'p', detail: 'detail deep-secret-value', error: { code: 'auth', message: 'attempt deep-secret-value' } }, { provider: 'q' }],
    });
    expect(redactDeep({ error }, scrub).error).toBe(error);
    expect(error.message).toBe('top [redacted]');
    expect(error.stack).not.toContain('deep-secret-value');
    expect(error.vendorCode).toBe('code-[redacted]');
    expect(error.attempts).toEqual([{ provider: 'p', detail: 'detail [redacted]', error: { code: 'auth', message: 'attempt [redacted]' } }, { provider: 'q' }]);
    expect(middle.message).toBe('middle [redacted]');
    expect(root.message).toBe('root [redacted]');
    expect(Object.keys(error)).toEqual(['vendorCode', 'attempts']);
  });

  it('scrubs a text cause, leaves non-errors alone, and stops at a depth of 8 causes', () => {
    const withText = new Error('x', { cause: 'text deep-secret-value' });
    redactErrorInPlace(withText, scrub);
    expect(withText.cause).toBe('text [redacted]');
    expect(redactErrorInPlace('deep-secret-value' as unknown, scrub)).toBe('deep-secret-value');
    const chain: Error[] = [new Error('deep-secret-value')];
    for (let i = 0; i < 10; i++) chain.unshift(new Error('deep-secret-value', { cause: chain[0] }));
    redactErrorInPlace(chain[0], scrub);
    expect(chain.slice(0, 9).every((e) => e.message === '[redacted]')).toBe(true);
    expect(chain[9]!.message).toBe('deep-secret-value');
  });

  it('scrubs a stack already read, and an error can be scrubbed again (by a second client) or changed after', () => {
    const error = new Error('first deep-secret-value');
    expect(error.stack).toContain('deep-secret-value');
    redactErrorInPlace(error, scrub);
    expect(error.stack).not.toContain('deep-secret-value');
    error.message = 'now other-client-secret';
    redactErrorInPlace(error, redactorFor([new SecretSet(['other-client-secret'])]));
    expect(error.message).toBe('now [redacted]');
  });

  it('keeps a frozen error as it is, without throwing', () => {
    const frozen = Object.freeze(new Error('deep-secret-value'));
    expect(() => redactErrorInPlace(frozen, scrub)).not.toThrow();
    expect(frozen.message).toBe('deep-secret-value');
  });

  it('scrubs attempt details and error messages, and adds nothing an attempt did not have', () => {
    expect(redactAttempts([{ detail: '?token=abc' }, { error: { message: 'Bearer abcdef' } }, {}])).toEqual([{ detail: '?token=[redacted]' }, { error: { message: 'Bearer [redacted]' } }, {}]);
    expect(redactAttempts([{ error: { code: 'auth' } as never }])).toEqual([{ error: { code: 'auth', message: '' } }]);
  });
});
