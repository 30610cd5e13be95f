// A LIST in pages (limit + continue), as client-go's pager does: one response holding a whole collection
// is one string and one parse of all of it at once (1,000 Secrets of 100 KB: a 130 MB body), while pages
// keep each response to `limit` objects. The pages of one list are one snapshot (the API server serves them
// at the first page's resourceVersion). A continue token the API server no longer honours (410 Expired: the
// snapshot was compacted away) starts the list again from its first page, up to a few times, then fails
// for the informer to restart it with backoff.
import { KubeApiError, type KubeClient, type KubeList } from './client.js';

/** Objects per page: client-go's default for informers. */
export const DEFAULT_PAGE_SIZE = 500;
const MAX_RESTARTS = 3;

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per page (default DEFAULT_PAGE_SIZE). */
  limit?: number;
  /** Another representation (client.ts METADATA_LIST). */
  accept?: string;
}

interface Page<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

const isExpired = (err: unknown) => err instanceof KubeApiError && err.statusCode === 410;

export async function listAllPages<T>(
  client: Pick<KubeClient, 'request'>,
  path: string,
  query: ListQuery = {},
): Promise<KubeList<T>> {
  for (let restarts = 0; ; restarts++) {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion: string | undefined;
    try {
      do {
        const page = await client.request<Page<T>>('GET', path, {
          accept: query.accept,
          query: {
            labelSelector: query.labelSelector || undefined,
            fieldSelector: query.fieldSelector || undefined,
            limit: String(query.limit ?? DEFAULT_PAGE_SIZE),
            continue: token,
          },
        });
        for (const item of page.items ?? []) items.push(item);
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        token = page.metadata?.continue || undefined;
      } while (token);
      return { metadata: { resourceVersion }, items };
    } catch (err) {
      // Only an expired continue token starts over; a 410 on the first page is the caller's to handle.
      if (token === undefined || !isExpired(err) || restarts >= MAX_RESTARTS) throw err;
    }
  }
}
