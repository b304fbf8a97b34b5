import { Readable } from 'node:stream';
import { describe, expect, test } from '@jest/globals';
import { classify, scanForCuda, tarEntries, type TarEntry } from './cuda-scan.ts';

function header(name: string, size: number, type: string, prefix = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(size.toString(8).padStart(11, '0'), 124);
  h.write(type, 156);
  h.write('ustar\u000000', 257);
  h.write(prefix, 345, 155);
  return h;
}
const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
function file(name: string, size: number, prefix = ''): Buffer {
  return Buffer.concat([header(name, size, '0', prefix), Buffer.alloc(size, 1), pad(size)]);
}
function pax(path: string): Buffer {
  const record = (body: string) => {
    let len = body.length + 3;
    while (`${len} ${body}\n`.length !== len) len++;
    return `${len} ${body}\n`;
  };
  const text = record(`path=${path}`);
  return Buffer.concat([header('PaxHeader', text.length, 'x'), Buffer.from(text), pad(text.length)]);
}

async function entries(buffer: Buffer, chunk = 700): Promise<TarEntry[]> {
  const parts: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += chunk) parts.push(buffer.subarray(i, i + chunk));
  const out: TarEntry[] = [];
  for await (const e of tarEntries(Readable.from(parts))) out.push(e);
  return out;
}

const SITE = 'usr/local/lib/python3.11/site-packages';
const longDir = `${SITE}/nvidia/cublas/lib/${'x'.repeat(120)}`;

describe('tarEntries', () => {
  test('reads names (ustar prefix, pax path), sizes and skips bodies across chunk borders', async () => {
    const tar = Buffer.concat([
      header('usr/', 0, '5'),
      file('libcudart.so.12', 707_904, `${SITE}/nvidia/cuda_runtime/lib`),
      pax(`${longDir}/libcublas.so.12`),
      file('ignored-short-name', 1000),
      file('etc/hostname', 10),
      Buffer.alloc(1024),
    ]);
    expect(await entries(tar)).toEqual([
      { path: '/usr/', size: 0, type: '5' },
      { path: `/${SITE}/nvidia/cuda_runtime/lib/libcudart.so.12`, size: 707_904, type: '0' },
      { path: `/${longDir}/libcublas.so.12`, size: 1000, type: '0' },
      { path: '/etc/hostname', size: 10, type: '0' },
    ]);
  });
});

describe('classify', () => {
  test.each([
    ['/usr/lib/x86_64-linux-gnu/libcudnn_ops_infer.so.8', 'CUDA library'],
    ['/opt/conda/lib/libcublasLt.so.12.1.3.1', 'CUDA library'],
    ['/usr/local/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so', 'CUDA library'],
    ['/usr/local/lib/python3.11/site-packages/torch/lib/libcudart-9335f6a2.so.12', 'CUDA library'],
    ['/usr/local/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.8', 'nvidia Python package'],
    [
      '/usr/local/lib/python3.11/site-packages/nvidia_nccl_cu12-2.20.5.dist-info/RECORD',
      'CUDA wheel metadata',
    ],
    ['/usr/local/lib/python3.11/site-packages/torch-2.3.0+cu121.dist-info/METADATA', 'torch CUDA build'],
  ])('%p is %p', (path, kind) => expect(classify(path)?.kind).toBe(kind));
  test.each([
    '/usr/local/lib/python3.11/site-packages/torch-2.3.0+cpu.dist-info/METADATA',
    '/usr/lib/x86_64-linux-gnu/libc.so.6',
    '/srv/app/cudart_notes.txt',
  ])('%p is not', (path) => expect(classify(path)).toBeUndefined());
});

test('scanForCuda groups package folders and sums sizes, largest first', async () => {
  async function* list() {
    yield { path: `/${SITE}/nvidia/cublas/lib/libcublas.so.12`, size: 4_000_000, type: '0' };
    yield { path: `/${SITE}/nvidia/cublas/lib/libcublasLt.so.12`, size: 6_000_000, type: '0' };
    yield { path: `/${SITE}/nvidia/cublas/`, size: 0, type: '5' };
    yield { path: '/usr/lib/libcudart.so.12', size: 700_000, type: '0' };
    yield { path: '/srv/app/server.py', size: 100, type: '0' };
  }
  const scan = await scanForCuda(list());
  expect(scan).toEqual({
    findings: [
      { location: `/${SITE}/nvidia/cublas`, kind: 'nvidia Python package', bytes: 10_000_000, files: 2 },
      { location: '/usr/lib/libcudart.so.12', kind: 'CUDA library', bytes: 700_000, files: 1 },
    ],
    totalBytes: 10_700_000,
    filesScanned: 5,
  });
});
