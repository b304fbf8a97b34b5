import { gunzipSync, gzipSync } from 'node:zlib';
import type { KnownObject, Manifest } from './plan.ts';

/**
 * On the wire the manifest is gzipped JSON (stored with Content-Encoding: gzip, so a browser that
 * fetches it still reads JSON) in a compact form: each distinct (Content-Type, Cache-Control) pair once,
 * and the MD5 only where the ETag is not already the MD5. 5,000 objects take about 150 KB.
 */
interface WireManifest {
  version: 2;
  headers: [string | null, string | null][];
  /** key -> [etag, index into headers, md5 (multipart objects only)] */
  objects: Record<string, [string, number] | [string, number, string]>;
}

const PLAIN_MD5 = /^"([0-9a-f]{32})"$/;

export function encodeManifest(manifest: Manifest): Buffer {
  const headerIndex = new Map<string, number>();
  const wire: WireManifest = { version: 2, headers: [], objects: {} };
  for (const key of Object.keys(manifest.objects).sort()) {
    const o = manifest.objects[key]!;
    const pair: [string | null, string | null] = [o.contentType ?? null, o.cacheControl ?? null];
    const id = JSON.stringify(pair);
    let index = headerIndex.get(id);
    if (index === undefined) {
      index = wire.headers.length;
      wire.headers.push(pair);
      headerIndex.set(id, index);
    }
    const plain = PLAIN_MD5.exec(o.etag)?.[1];
    wire.objects[key] = o.md5 !== undefined && o.md5 !== plain ? [o.etag, index, o.md5] : [o.etag, index];
  }
  return gzipSync(JSON.stringify(wire));
}

/** The manifest, or `undefined` when the bytes are not one (it is then rebuilt from HeadObject). */
export function decodeManifest(bytes: Uint8Array): Manifest | undefined {
  try {
    const buf = Buffer.from(bytes);
    const text = (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
    const wire = JSON.parse(text) as Partial<WireManifest>;
    if (
      wire.version !== 2 ||
      !Array.isArray(wire.headers) ||
      typeof wire.objects !== 'object' ||
      wire.objects === null
    ) {
      return undefined;
    }
    const objects: Record<string, KnownObject> = {};
    for (const [key, entry] of Object.entries(wire.objects)) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const [etag, index, md5] = entry;
      const headers = wire.headers[index];
      const known: KnownObject = { etag };
      const plain = PLAIN_MD5.exec(etag)?.[1];
      if (typeof md5 === 'string') known.md5 = md5;
      else if (plain !== undefined) known.md5 = plain;
      if (headers?.[0] != null) known.contentType = headers[0];
      if (headers?.[1] != null) known.cacheControl = headers[1];
      objects[key] = known;
    }
    return { version: 1, objects };
  } catch {
    return undefined;
  }
}
