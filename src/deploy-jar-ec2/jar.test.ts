import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@jest/globals';
import { resolveJar } from './jar.ts';

const dir = mkdtempSync(join(tmpdir(), 'jar-test-'));
mkdirSync(join(dir, 'build/libs'), { recursive: true });
const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('rest of a jar')]);
writeFileSync(join(dir, 'build/libs/app-1.0.jar'), zip);
writeFileSync(join(dir, 'build/libs/app-1.0-plain.txt'), 'x');
writeFileSync(join(dir, 'notajar.jar'), 'hello world');
mkdirSync(join(dir, 'two'));
writeFileSync(join(dir, 'two/a.jar'), zip);
writeFileSync(join(dir, 'two/b.jar'), zip);

test('a glob matching one file gives its path, size and sha256', async () => {
  const jar = await resolveJar('build/libs/app-*.jar', dir);
  expect(jar).toEqual({
    path: join(dir, 'build/libs/app-1.0.jar'),
    size: zip.length,
    sha256: createHash('sha256').update(zip).digest('hex'),
  });
  expect((await resolveJar(join(dir, 'build/libs/app-1.0.jar'), '/')).path).toBe(
    join(dir, 'build/libs/app-1.0.jar'),
  );
});

test.each([
  ['build/libs/*.war', "Input 'jar': 'build/libs/*.war' matches no file"],
  ['missing.jar', "Input 'jar': 'missing.jar' matches no file"],
  ['two/*.jar', "Input 'jar': 'two/*.jar' matches 2 files"],
  ['notajar.jar', 'is not a jar (a jar is a zip file'],
  ['build', "Input 'jar': 'build' matches no file"],
])('%p is refused', async (pattern, message) => {
  await expect(resolveJar(pattern, dir)).rejects.toThrow(message);
});
