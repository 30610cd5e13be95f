import type mysql from 'mysql2/promise';

/** A pool or one of its connections: anything that runs a query with `?` placeholders. */
export type Queryable = Pick<mysql.Pool, 'query'>;

export type Rows = mysql.RowDataPacket[];
export type Result = mysql.ResultSetHeader;
