/** The rows of a `db.execute()` result on either driver: postgres.js answers with an array, PGlite with `{ rows }`. */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
