// The pins of versions.json, typed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.js';
import type { DebianImage } from '../debian-image.js';

export const SERVER_NAMES = ['postgres', 'mysql', 'kafka'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export interface ServerImages {
  /** the official image, used where the engine has it or can pull it */
  official: string;
  /** the image built here (images/<folder>/Dockerfile) where it cannot */
  built: string;
  /** the Debian packages the built image installs (documentation; the Dockerfile names them) */
  packages: string[];
}

export interface TestcontainersVersions {
  debian: DebianImage;
  postgres: ServerImages;
  mysql: ServerImages;
  kafka: ServerImages & { kafkaVersion: string };
}

export const testcontainersDir = path.join(repoRoot, 'tools/devenv/testcontainers');

export function testcontainersVersions(): TestcontainersVersions {
  const file = path.join(testcontainersDir, 'versions.json');
  return JSON.parse(readFileSync(file, 'utf8')) as TestcontainersVersions;
}
