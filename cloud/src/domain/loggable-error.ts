const onlyFrames = (stack: string | undefined) =>
  (stack ?? '')
    .split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .join('\n');

/**
 * An error as it may be logged: a failed query keeps its SQL but never its parameters (names,
 * addresses, barcodes), and quoted values in database messages are masked. Stacks keep only frames,
 * since their first line repeats the message.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const cause = (err as { cause?: unknown }).cause as (Error & Record<string, unknown>) | undefined;
  const query = (err as { query?: unknown }).query;
  const masked = (m: string) =>
    m
      .replace(/"[^"]*"|'[^']*'/g, '"…"')
      .split('\n')[0]!
      .slice(0, 300);
  return {
    name: err.name,
    ...(typeof query === 'string' ? { query: query.slice(0, 1000) } : { message: masked(err.message) }),
    ...(cause instanceof Error
      ? {
          cause: {
            name: cause.name,
            code: cause.code,
            constraint: cause.constraint_name ?? cause.constraint,
            message: masked(cause.message),
          },
        }
      : {}),
    stack: onlyFrames(err.stack),
  };
}
