// The share of a row (db/shares.ts) on MySQL/MariaDB: a VIRTUAL generated column, relay_share, indexed
// with the claim's conditions (migration 003). Computed from the ordering key (the partition key, else the
// key) as CRC32 % 64. A NULL key (a table allowing NULLs) counts as none: `NULL <> ''` is not true.
//
// Rows without any key have no order to keep and only need spreading, deterministically. Not by id: MySQL
// 8 refuses an AUTO_INCREMENT column in a generated column's expression (MariaDB 10.11 accepts it), and
// the relay supports both with one schema. The payload is the other column that never changes once
// inserted, so keyless rows are spread by CRC32 of payload_json: identical payloads share a share.
import { SHARE_COUNT } from '../shares.js';

/** The generated column's name (not derived from the table: a column name is per table). */
export const SHARE_COLUMN = 'relay_share';

const KEY = "IF(partition_key <> '', partition_key, `key`)";

/** The column's definition, for ALTER TABLE ... ADD COLUMN relay_share <definition>. */
export const SHARE_COLUMN_DEFINITION =
  `TINYINT UNSIGNED AS (IF(${KEY} <> '', CRC32(${KEY}) % ${SHARE_COUNT}, ` +
  `CRC32(payload_json) % ${SHARE_COUNT})) VIRTUAL`;
