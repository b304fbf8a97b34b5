import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const API_SOURCES = resolve(import.meta.dirname, '../sample-app/api/src');

export interface JarOptions {
  version: string;
  /** false builds a jar that starts but fails its health check. */
  healthy?: boolean;
  /** Adds an incompressible resource of this many bytes (for the 50 MB benchmark jar). */
  padBytes?: number;
  /** Lines of a long (2,700+ character) stack trace the service logs once it has started. */
  stackTraceLines?: number;
  out: string;
}

/** Builds the sample API jar with the machine's JDK (javac + jar). Returns the jar's path. */
export function buildApiJar(opts: JarOptions): string {
  const work = mkdtempSync(join(tmpdir(), 'sample-api-build-'));
  try {
    const classes = join(work, 'classes');
    execFileSync('javac', ['--release', '17', '-d', classes, join(API_SOURCES, 'sample/Api.java')], {
      stdio: 'pipe',
    });
    writeFileSync(
      join(classes, 'build.properties'),
      `version=${opts.version}\nhealthy=${opts.healthy ?? true}\nstackTraceLines=${opts.stackTraceLines ?? 0}\n`,
    );
    if (opts.padBytes) writeFileSync(join(classes, 'padding.bin'), randomBytes(opts.padBytes));
    execFileSync('jar', ['--create', '--file', opts.out, '--main-class', 'sample.Api', '-C', classes, '.'], {
      stdio: 'pipe',
    });
    return opts.out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
