import { createResource, createSignal } from 'solid-js';
import { asProblem, type ProblemInfo } from '../../api/client.ts';

/**
 * A resource that never enters Solid's error state: a failure becomes `problem()` (shown by ProblemAlert)
 * and `data()` stays undefined, so pages need no error boundary.
 */
export function createLoad<T>(fetcher: () => Promise<T>) {
  return createLoadOn(
    () => true,
    () => fetcher(),
  );
}

/**
 * createLoad for a resource that follows a source (a search held in the address): fetched again
 * whenever the source changes, not at all while it is null.
 */
export function createLoadOn<S, T>(source: () => S | null, fetcher: (source: S) => Promise<T>) {
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [data, { refetch, mutate }] = createResource(source, async (s) => {
    setProblem(null);
    try {
      return await fetcher(s);
    } catch (err) {
      setProblem(asProblem(err));
      return undefined;
    }
  });
  return { data, problem, refetch, mutate };
}
