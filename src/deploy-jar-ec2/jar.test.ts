import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { expect, test } from '@jest/globals';
import { resolveJar } from './jar.ts';

const dir = mkdtempSync(join(tmpdir(), 'jar-test-'));
mkdirSync(join(dir, 'build/libs'), { recursive: true });
/** A zip of stored (uncompressed) entries, written the way zip tools lay it out. */
function makeZip(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const nameBuf = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
const zip = makeZip({ 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n', 'App.class': 'cafebabe' });
writeFileSync(join(dir, 'build/libs/app-1.0.jar'), zip);
writeFileSync(join(dir, 'build/libs/app-1.0-plain.txt'), 'x');
writeFileSync(join(dir, 'notajar.jar'), 'hello world');
writeFileSync(join(dir, 'plain.jar'), makeZip({ 'README.txt': 'a zip, not a jar', 'META-INF/other': 'x' }));
writeFileSync(join(dir, 'truncated.jar'), zip.subarray(0, zip.length - 30));
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
  ['plain.jar', 'is a zip file but not a jar: it has no META-INF/MANIFEST.MF entry'],
  ['truncated.jar', 'is not a jar: its zip central directory is missing or damaged'],
  ['build', "Input 'jar': 'build' matches no file"],
])('%p is refused', async (pattern, message) => {
  await expect(resolveJar(pattern, dir)).rejects.toThrow(message);
});
