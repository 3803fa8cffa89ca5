import { describe, expect, it } from 'vitest';
import { isOfflineByEnv, modelFilePath, resolveCacheDir } from '../../../providers/local/models/index.js';

describe('resolveCacheDir', () => {
  it('prefers PIXMUX_CACHE_DIR, made absolute', () => {
    expect(resolveCacheDir({ PIXMUX_CACHE_DIR: '/data/pixmux', XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/data/pixmux');
    expect(resolveCacheDir({ PIXMUX_CACHE_DIR: 'rel/cache' }, 'linux', '/home/u')).toBe(`${process.cwd()}/rel/cache`);
  });

  it('uses XDG_CACHE_HOME when absolute, ignoring a relative one as the XDG spec says', () => {
    expect(resolveCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/pixmux');
    expect(resolveCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u')).toBe('/home/u/.cache/pixmux');
    expect(resolveCacheDir({ XDG_CACHE_HOME: '  ' }, 'linux', '/home/u')).toBe('/home/u/.cache/pixmux');
  });

  it('falls back to the platform cache folder', () => {
    expect(resolveCacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/pixmux');
    expect(resolveCacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/pixmux');
    expect(resolveCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\pixmux\\Cache');
    expect(resolveCacheDir({}, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\pixmux\\Cache');
  });

  it('puts model files under models/<id>/', () => {
    expect(modelFilePath('/c', { id: 'u2netp' }, { name: 'u2netp.onnx' })).toBe('/c/models/u2netp/u2netp.onnx');
  });
});

describe('isOfflineByEnv', () => {
  it('accepts 1, true and yes', () => {
    for (const value of ['1', 'true', 'YES', ' 1 ']) expect(isOfflineByEnv({ PIXMUX_OFFLINE: value })).toBe(true);
    for (const value of [undefined, '', '0', 'false', 'no']) expect(isOfflineByEnv({ PIXMUX_OFFLINE: value })).toBe(false);
  });
});
