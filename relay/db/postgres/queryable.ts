import type pg from 'pg';

/** A pool, a pooled client or a dedicated client: anything that runs a parameterized query. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}
