// The oldest servers the relay's SQL runs on. The claim needs FOR UPDATE SKIP LOCKED (PostgreSQL 9.5,
// MySQL 8.0.1, MariaDB 10.6) and the PostgreSQL trigger EXECUTE FUNCTION (PostgreSQL 11). The Go relay ran
// on older servers (MySQL 5.7), so migrate() says so plainly instead of failing later with a syntax error.
export const MIN_POSTGRES_VERSION_NUM = 110000;

/** null when the server is recent enough, otherwise what is needed. */
export function postgresVersionProblem(serverVersionNum: number): string | null {
  if (serverVersionNum >= MIN_POSTGRES_VERSION_NUM) return null;
  return `PostgreSQL ${Math.floor(serverVersionNum / 10000)} is too old: the relay needs PostgreSQL 11 or later`;
}

function parts(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) return [0, 0, 0];
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function atLeast(version: [number, number, number], minimum: [number, number, number]): boolean {
  for (let i = 0; i < 3; i += 1) {
    if (version[i]! !== minimum[i]!) return version[i]! > minimum[i]!;
  }
  return true;
}

/** `version` is SELECT VERSION(): "10.11.6-MariaDB-0+deb12u1", "8.0.36", "5.5.5-10.6.12-MariaDB"... */
export function mysqlVersionProblem(version: string): string | null {
  const mariadb = /mariadb/i.test(version);
  // Some MariaDB builds report a "5.5.5-" prefix for old clients' sake.
  const bare = mariadb ? version.replace(/^5\.5\.5-/, '') : version;
  const parsed = parts(bare);
  if (mariadb) {
    return atLeast(parsed, [10, 6, 0])
      ? null
      : `MariaDB ${bare} is too old: the relay needs MariaDB 10.6 or later (FOR UPDATE SKIP LOCKED)`;
  }
  return atLeast(parsed, [8, 0, 1])
    ? null
    : `MySQL ${bare} is too old: the relay needs MySQL 8.0.1 or later (FOR UPDATE SKIP LOCKED)`;
}
