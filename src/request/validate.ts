import type { z } from 'zod';
import { pixmuxError } from '../errors/create-error.js';

/** Parses a request with its schema; the first problem becomes an `invalid_request` error naming the field. */
export function validate<Schema extends z.ZodType>(schema: Schema, input: unknown, operation: string): z.output<Schema> {
  if (typeof input !== 'object' || input === null) throw pixmuxError('invalid_request', `${operation}: the request must be an object`);
  let parsed: z.ZodSafeParseResult<z.output<Schema>>;
  try {
    parsed = schema.safeParse(input);
  } catch (error) {
    // A getter or proxy that throws while the request is read.
    throw pixmuxError('invalid_request', `${operation}: the request could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'request';
    return `${field} ${issue.message}`;
  });
  throw pixmuxError('invalid_request', `${operation}: invalid request: ${problems.join('; ')}`);
}
