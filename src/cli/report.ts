import { closeSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import type { Summary } from './summary.js';

/** One item as the report shows it. */
export interface ReportRow {
  input: string;
  output?: string;
  before?: { bytes: Uint8Array; mediaType: string };
  after?: { bytes: Uint8Array; mediaType: string };
  provider?: string;
  why: string;
  costUsd: number;
  error?: { code: string; message: string };
}

/** Images above this are not embedded (the page would get too heavy to open); the row says so. */
const MAX_EMBED_BYTES = 2_000_000;

const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function thumbnail(image: ReportRow['before'], label: string): string {
  if (!image) return '<td class="thumb">—</td>';
  if (image.bytes.byteLength > MAX_EMBED_BYTES) return `<td class="thumb">(${label}: ${(image.bytes.byteLength / 1e6).toFixed(1)} MB, not embedded)</td>`;
  const data = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength).toString('base64');
  return `<td class="thumb"><img alt="${label}" src="data:${escape(image.mediaType)};base64,${data}"></td>`;
}

/**
 * The --report page, written as the batch runs: each row goes to a scratch file at once (nothing per item stays in
 * memory), and `finish` writes one self-contained HTML file: the summary, cost per provider, failures, then the rows.
 */
export function createReport(path: string, title: string) {
  const rowsPath = `${path}.rows.tmp`;
  const failuresPath = `${path}.failures.tmp`;
  const rows = openSync(rowsPath, 'w');
  const failures = openSync(failuresPath, 'w');
  let count = 0;
  return {
    add(row: ReportRow) {
      count += 1;
      const status = row.error ? 'failed' : 'ok';
      const served = row.provider ? escape(row.provider) : '—';
      const detail = row.error ? `<span class="reason">${escape(row.error.code)}: ${escape(row.error.message)}</span>` : escape(row.why);
      writeSync(
        rows,
        `<tr class="item ${status}" data-provider="${served}"><td class="input">${escape(row.input)}</td>${thumbnail(row.before, 'before')}${thumbnail(row.after, 'after')}` +
          `<td class="provider">${served}</td><td class="why">${row.error ? escape(row.why) : detail}</td><td class="cost">$${row.costUsd.toFixed(4)}</td><td class="status">${status}</td></tr>\n`,
      );
      if (row.error) {
        writeSync(failures, `<li class="failure"><span class="input">${escape(row.input)}</span> — ${detail}${row.why ? ` <span class="attempts">(${escape(row.why)})</span>` : ''}</li>\n`);
      }
    },
    finish(summary: Summary) {
      closeSync(rows);
      closeSync(failures);
      const { totals } = summary;
      const providerRows = [...summary.providers.entries()]
        .map(([id, t]) => `<tr class="provider-total"><td>${escape(id)}</td><td>${t.count}</td><td>$${t.costUsd.toFixed(4)}</td><td>${t.failures}</td></tr>`)
        .join('\n');
      const failureList = readFileSync(failuresPath, 'utf8');
      const out = openSync(path, 'w');
      writeSync(
        out,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;vertical-align:middle}
th{background:#f4f4f4;text-align:left}.thumb img{width:128px;height:128px;object-fit:contain;image-rendering:auto;background:repeating-conic-gradient(#ccc 0 25%,#fff 0 50%) 0 0/16px 16px}
tr.failed{background:#fff0f0}.reason{color:#a00}h2{margin-top:1.5em}</style></head><body>
<h1>${escape(title)}</h1>
<p id="totals">${totals.succeeded} succeeded, ${totals.failed} failed, ${totals.skipped} skipped (output present) · $${totals.costUsd.toFixed(4)} in all · generated ${new Date().toISOString()}</p>
<h2>Cost per provider</h2>
<table id="providers"><thead><tr><th>provider</th><th>items served</th><th>cost</th><th>failed attempts</th></tr></thead><tbody>
${providerRows}
</tbody></table>
<h2>Failures (${totals.failed})</h2>
<ul id="failures">
${failureList}</ul>
<h2>Items (${count})</h2>
<table id="items"><thead><tr><th>input</th><th>before</th><th>after</th><th>provider</th><th>why this provider</th><th>cost</th><th>status</th></tr></thead><tbody>
`,
      );
      // The rows are copied in pieces, so a report of many items never sits in memory whole.
      const input = openSync(rowsPath, 'r');
      const buffer = Buffer.alloc(1 << 20);
      for (let read = 0; (read = readSync(input, buffer, 0, buffer.length, null)) > 0; ) writeSync(out, buffer, 0, read);
      closeSync(input);
      writeSync(out, '</tbody></table></body></html>\n');
      closeSync(out);
      rmSync(rowsPath, { force: true });
      rmSync(failuresPath, { force: true });
    },
  };
}

