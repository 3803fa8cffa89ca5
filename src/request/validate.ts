import { pixmuxError } from '../errors/create-error.js';

/** One problem found in a value: where (`['size']`, `['providers', 0]`) and what, in words. */
export interface Issue {
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
}

/** What `safeParse` returns: zod's result shape, so a zod schema and a hand-written checker are interchangeable. */
export type SafeParseResult<T> = { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<Issue> } };

/** Anything with zod's `safeParse`: a zod schema, or a hand-written checker such as the request schemas. */
export interface Schema<T> {
  safeParse(input: unknown): SafeParseResult<T>;
}

/** Parses a request with its schema; the first problem becomes an `invalid_request` error naming the field. */
export function validate<T>(schema: Schema<T>, input: unknown, operation: string): T {
  if (typeof input !== 'object' || input === null) throw pixmuxError('invalid_request', `${operation}: the request must be an object`);
  let parsed: SafeParseResult<T>;
  try {
    parsed = schema.safeParse(input);
  } catch (error) {
    // A getter or proxy that throws while the request is read.
    throw pixmuxError('invalid_request', `${operation}: the request could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'request';
    return `${field} ${issue.message}`;
  });
  throw pixmuxError('invalid_request', `${operation}: invalid request: ${problems.join('; ')}`);
}
