import { createResource, createSignal } from 'solid-js';
import { asProblem, type ProblemInfo } from '../../api/client.ts';

/**
 * A resource that never enters Solid's error state: a failure becomes `problem()` (shown by ProblemAlert)
 * and `data()` stays undefined, so pages need no error boundary.
 */
export function createLoad<T>(fetcher: () => Promise<T>) {
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [data, { refetch, mutate }] = createResource(async () => {
    setProblem(null);
    try {
      return await fetcher();
    } catch (err) {
      setProblem(asProblem(err));
      return undefined;
    }
  });
  return { data, problem, refetch, mutate };
}
