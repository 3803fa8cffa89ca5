import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PixmuxError } from 'pixmux';
import { DEFAULT_MODELS, licenseWarning, MODELS, resolveModel, type ModelSpec } from '../../../providers/local/models/index.js';
import { validateModelSpec } from '../../../providers/local/models/validate-spec.js';
import { missingFixtures, SHARED_MODELS } from '../../helpers/shared.js';

const FIXTURE_MODELS = SHARED_MODELS;

function thrown(run: () => unknown): PixmuxError {
  try {
    run();
  } catch (error) {
    expect(PixmuxError.isInstance(error)).toBe(true);
    return error as PixmuxError;
  }
  throw new Error('expected a throw');
}

describe('manifest', () => {
  const specs = Object.entries(MODELS) as Array<[string, ModelSpec]>;

  it('has the models the local backend promises', () => {
    for (const id of ['birefnet-general-lite', 'birefnet-general', 'isnet-general-use', 'u2netp', 'u2net', 'modnet', 'bria-rmbg-2.0', 'gfpgan-1.4', 'yunet-2023mar']) {
      expect(MODELS[id], id).toBeDefined();
    }
  });

  it.each(specs)('%s is well formed: https URLs, sha256, a source, a licence', (id, spec) => {
    expect(spec.id).toBe(id);
    expect(() => validateModelSpec(spec)).not.toThrow();
    for (const file of spec.files) for (const url of file.urls) expect(url.startsWith('https://'), url).toBe(true);
    expect(spec.source.length).toBeGreaterThan(10);
    expect(spec.license.length).toBeGreaterThan(1);
    for (const required of spec.requires ?? []) expect(MODELS[required]?.role, `${id} requires ${required}`).toBe('detector');
  });

  it('defaults are permissively licensed models of the right operation', () => {
    for (const [operation, id] of Object.entries(DEFAULT_MODELS)) {
      const spec = MODELS[id!]!;
      expect(spec.operation).toBe(operation);
      expect(spec.commercial).toBe(true);
      expect(spec.role).toBeUndefined();
      for (const required of spec.requires ?? []) expect(MODELS[required]!.commercial).toBe(true);
    }
    expect(DEFAULT_MODELS.removeBackground).toBe('birefnet-general-lite');
  });

  it('marks the non-commercial models as such', () => {
    for (const id of ['bria-rmbg-2.0', 'codeformer']) expect(MODELS[id]!.commercial, id).toBe(false);
  });

  it.skipIf(missingFixtures(FIXTURE_MODELS))('matches the real bytes of the small models in the shared fixtures (skipped: no fixtures folder)', () => {
    let checked = 0;
    for (const [, spec] of specs) {
      for (const file of spec.files) {
        const fixture = path.join(FIXTURE_MODELS, file.name);
        if (!existsSync(fixture)) continue;
        const bytes = readFileSync(fixture);
        expect(bytes.byteLength, file.name).toBe(file.size);
        expect(createHash('sha256').update(bytes).digest('hex'), file.name).toBe(file.sha256);
        checked++;
      }
    }
    expect(checked).toBe(3); // yunet, sinet, pphumanseg
  });
});

describe('resolveModel', () => {
  it('returns the default with no warning', () => {
    expect(resolveModel('removeBackground')).toEqual({ spec: MODELS['birefnet-general-lite'], warnings: [] });
    expect(resolveModel('restoreFace').spec.id).toBe('gfpgan-1.4');
  });

  it('allows a non-commercial model only when named, with a licence warning', () => {
    const { spec, warnings } = resolveModel('removeBackground', 'bria-rmbg-2.0');
    expect(spec.id).toBe('bria-rmbg-2.0');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('CC-BY-NC-4.0');
    expect(warnings[0]).toContain('not cleared for commercial use');
    expect(licenseWarning(MODELS['u2netp']!)).toBeUndefined();
  });

  it('rejects unknown ids, ids of another operation, and helper models, as invalid_request', () => {
    const unknown = thrown(() => resolveModel('removeBackground', 'nope'));
    expect(unknown.code).toBe('invalid_request');
    expect(unknown.message).toContain('u2netp');
    expect(unknown.message).not.toContain('gfpgan');
    expect(thrown(() => resolveModel('removeBackground', 'gfpgan-1.4')).code).toBe('invalid_request');
    expect(thrown(() => resolveModel('restoreFace', 'yunet-2023mar')).code).toBe('invalid_request');
    expect(thrown(() => resolveModel('removeBackground', 'toString')).code).toBe('invalid_request');
  });

  it('says there is no default local generate model', () => {
    expect(thrown(() => resolveModel('generate')).code).toBe('unsupported');
  });
});
