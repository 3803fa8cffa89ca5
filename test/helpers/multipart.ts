import { http } from 'msw';

/** A multipart request as a vendor sees it: headers, text fields and the uploaded file. */
export interface SeenMultipart {
  method: string;
  url: string;
  apiKey: string | null;
  accept: string | null;
  contentType: string | null;
  fields: Record<string, string>;
  file: { type: string; name: string; bytes: Uint8Array } | undefined;
}

/** An msw handler that records each multipart POST to `url` (the file under `fileField`) and answers with `reply`. */
export function captureMultipart(url: string, seen: SeenMultipart[], reply: () => Response, fileField = 'image_file') {
  return http.post(url, async ({ request }) => {
    const contentType = request.headers.get('content-type');
    const form = await request.formData();
    const fields: Record<string, string> = {};
    let file: SeenMultipart['file'];
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') fields[key] = value;
      else if (key === fileField) file = { type: value.type, name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) };
    }
    seen.push({ method: request.method, url: request.url, apiKey: request.headers.get('x-api-key'), accept: request.headers.get('accept'), contentType, fields, file });
    return reply();
  });
}
