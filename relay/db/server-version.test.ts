import { mysqlVersionProblem, postgresVersionProblem } from './server-version.js';

describe('server versions', () => {
  it.each([110000, 150004, 170000])('accepts PostgreSQL %i', (num) => {
    expect(postgresVersionProblem(num)).toBeNull();
  });

  it('refuses PostgreSQL 10, naming what is needed', () => {
    expect(postgresVersionProblem(100023)).toMatch(/PostgreSQL 10 is too old.*11 or later/);
  });

  it.each([
    '10.11.6-MariaDB-0+deb12u1',
    '10.6.0-MariaDB',
    '5.5.5-10.6.12-MariaDB',
    '11.4.2-MariaDB',
    '8.0.36',
    '8.4.0',
  ])('accepts %s', (version) => {
    expect(mysqlVersionProblem(version)).toBeNull();
  });

  it.each([
    ['10.5.23-MariaDB', /MariaDB 10\.5\.23-MariaDB is too old/],
    ['5.5.5-10.3.39-MariaDB', /MariaDB 10\.3\.39-MariaDB is too old/],
    ['5.7.44-log', /MySQL 5\.7\.44-log is too old/],
    ['8.0.0-dmr', /MySQL 8\.0\.0-dmr is too old/],
  ])('refuses %s', (version, message) => {
    expect(mysqlVersionProblem(version)).toMatch(message);
  });
});
