import type { ModelFile, ModelSpec } from './types.js';

/**
 * The message for a model that is not in the cache while downloads are off: each missing file with its size,
 * hash, URLs and the exact path to put it at, and how to use a model file by path instead.
 */
export function missingModelMessage(spec: ModelSpec, missing: Array<{ file: ModelFile; path: string }>, reason: string): string {
  const lines = [`local: model "${spec.id}" (${spec.operation}) is not in the cache and ${reason}.`, 'Download these files and put each one at the path shown:'];
  for (const { file, path } of missing) {
    const size = file.size === undefined ? 'size not published' : `${file.size.toLocaleString('en-US')} bytes`;
    lines.push(`  - ${file.name} (${size}, ${file.sha256 ? `sha256 ${file.sha256}` : 'hash declared by Hugging Face at download; a copy put here by hand is not trusted, use the folder by path'})`);
    file.urls.forEach((url, index) => lines.push(`      ${index === 0 ? 'from' : 'or  '}: ${url}`));
    lines.push(`      to  : ${path}`);
  }
  lines.push(
    spec.layout === 'folder'
      ? `Or use a model folder by path instead: local({ models: { ${spec.operation}: { path: '/path/to/folder', pipeline: '${spec.preset}' } } }).`
      : `Or use a model file by path instead: local({ models: { ${spec.operation}: { path: '/path/to/model.onnx', preset: '${spec.preset}' } } }).`,
  );
  return lines.join('\n');
}
