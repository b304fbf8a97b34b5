/**
 * The CPU-only check: walks the image's filesystem (a `docker export` tar stream, so nothing in the
 * image runs) for CUDA and cuDNN libraries, nvidia-* Python packages and `+cu` torch builds.
 */
export interface TarEntry {
  path: string;
  size: number;
  /** '0' file, '5' directory, '2' symlink, ... */
  type: string;
}

/** A minimal streaming ustar/pax/GNU reader: paths and sizes only; file bodies are skipped. */
export async function* tarEntries(stream: AsyncIterable<Buffer | string>): AsyncGenerator<TarEntry> {
  let buffer = Buffer.alloc(0);
  let skip = 0;
  let paxPath: string | undefined;
  let longName: string | undefined;
  let pending: { kind: 'pax' | 'gnu'; size: number } | undefined;
  for await (const chunk of stream) {
    buffer = Buffer.concat([buffer, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, buffer.length);
        buffer = buffer.subarray(n);
        skip -= n;
        if (skip > 0) break;
      }
      if (pending) {
        const padded = Math.ceil(pending.size / 512) * 512;
        if (buffer.length < padded) break;
        const body = buffer.subarray(0, pending.size).toString('utf8');
        if (pending.kind === 'pax') paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body)?.[1] ?? paxPath;
        else longName = body.replace(/\0.*$/s, '');
        buffer = buffer.subarray(padded);
        pending = undefined;
        continue;
      }
      if (buffer.length < 512) break;
      const header = buffer.subarray(0, 512);
      buffer = buffer.subarray(512);
      if (header.every((b) => b === 0)) continue; // end-of-archive blocks
      const field = (start: number, length: number) =>
        header
          .subarray(start, start + length)
          .toString('utf8')
          .replace(/\0.*$/s, '');
      const size = parseOctal(header.subarray(124, 136));
      const type = field(156, 1) || '0';
      if (type === 'x' || type === 'L') {
        pending = { kind: type === 'x' ? 'pax' : 'gnu', size };
        continue;
      }
      if (type === 'g') {
        skip = Math.ceil(size / 512) * 512;
        continue;
      }
      const prefix = field(345, 155);
      const name = longName ?? paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
      longName = undefined;
      paxPath = undefined;
      yield { path: `/${name.replace(/^\.?\/+/, '')}`, size: type === '0' || type === '\0' ? size : 0, type };
      if (type === '0' || type === '7') skip = Math.ceil(size / 512) * 512;
    }
  }
}

function parseOctal(field: Buffer): number {
  if (field[0]! & 0x80) {
    // base-256 (GNU) for files over 8 GiB
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = field
    .toString('ascii')
    .replace(/[\0 ]+.*$/s, '')
    .trim();
  return text ? parseInt(text, 8) : 0;
}

export type CudaKind = 'CUDA library' | 'nvidia Python package' | 'CUDA wheel metadata' | 'torch CUDA build';

export interface CudaFinding {
  /** A library file, a package folder, or a .dist-info folder. */
  location: string;
  kind: CudaKind;
  bytes: number;
  files: number;
}

const CUDA_LIBRARY =
  /^lib(cudart|cublas|cublasLt|cudnn[a-z_]*|cufft|cufftw|curand|cusparse|cusparseLt|cusolver|cusolverMg|nccl|nvrtc|nvrtc-builtins|nvJitLink|cupti|nvToolsExt|torch_cuda[a-z_]*|c10_cuda|caffe2_nvrtc)(-[0-9a-f]{8})?\.so(\.[0-9.]+)?$/;
const SITE = '(.*/(?:site|dist)-packages)';
const NVIDIA_PACKAGE = new RegExp(`^${SITE}/nvidia/([^/]+)/`);
const NVIDIA_DIST = new RegExp(`^${SITE}/(nvidia_[^/]+\\.dist-info)(/|$)`);
const TORCH_CUDA_DIST = new RegExp(`^${SITE}/(torch-[^/]*\\+cu\\d+[^/]*\\.dist-info)(/|$)`);

export function classify(path: string): { location: string; kind: CudaKind } | undefined {
  let m = NVIDIA_PACKAGE.exec(path);
  if (m) return { location: `${m[1]}/nvidia/${m[2]}`, kind: 'nvidia Python package' };
  m = TORCH_CUDA_DIST.exec(path);
  if (m) return { location: `${m[1]}/${m[2]}`, kind: 'torch CUDA build' };
  m = NVIDIA_DIST.exec(path);
  if (m) return { location: `${m[1]}/${m[2]}`, kind: 'CUDA wheel metadata' };
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (CUDA_LIBRARY.test(base)) return { location: path, kind: 'CUDA library' };
  return undefined;
}

export interface CudaScan {
  findings: CudaFinding[];
  totalBytes: number;
  filesScanned: number;
}

export async function scanForCuda(entries: AsyncIterable<TarEntry>): Promise<CudaScan> {
  const found = new Map<string, CudaFinding>();
  let filesScanned = 0;
  for await (const entry of entries) {
    filesScanned++;
    const hit = classify(entry.path);
    if (!hit) continue;
    const f = found.get(hit.location) ?? { ...hit, bytes: 0, files: 0 };
    f.bytes += entry.size;
    if (entry.type === '0' || entry.type === '\0') f.files += 1;
    found.set(hit.location, f);
  }
  const findings = [...found.values()].sort(
    (a, b) => b.bytes - a.bytes || a.location.localeCompare(b.location),
  );
  return { findings, totalBytes: findings.reduce((s, f) => s + f.bytes, 0), filesScanned };
}
