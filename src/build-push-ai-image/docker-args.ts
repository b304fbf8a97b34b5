import type { Inputs } from './inputs.ts';

export type ResolvedBuilder = 'buildx' | 'docker';

/**
 * The build command line. Classic `docker build` (DOCKER_BUILDKIT=0 in its environment) and
 * `docker buildx build --load`: both leave the image in the local engine, where it is measured and
 * checked before anything is pushed; pushing is a separate `docker push` per tag.
 */
export function buildArgs(
  inputs: Inputs,
  builder: ResolvedBuilder,
  refs: readonly string[],
  iidFile: string,
  warn: (message: string) => void = () => {},
): string[] {
  const args = builder === 'buildx' ? ['buildx', 'build', '--load'] : ['build'];
  args.push('--file', inputs.dockerfile);
  if (inputs.target) args.push('--target', inputs.target);
  for (const ref of refs) args.push('--tag', ref);
  for (const a of inputs.buildArgs) args.push('--build-arg', `${a.key}=${a.value}`);
  for (const l of inputs.labels) args.push('--label', `${l.key}=${l.value}`);
  args.push('--iidfile', iidFile);
  if (builder === 'buildx') {
    args.push(`--provenance=${inputs.provenance ? 'mode=min' : 'false'}`);
    if (inputs.platform) args.push('--platform', inputs.platform);
    for (const c of inputs.cacheFrom) args.push('--cache-from', c);
    for (const c of inputs.cacheTo) args.push('--cache-to', withEcrCacheOptions(c, warn));
  }
  args.push(inputs.context);
  return args;
}

/**
 * ECR accepts a registry cache only as an OCI image manifest: `type=registry` cache exports always get
 * `image-manifest=true,oci-mediatypes=true`; a user's other value is replaced, with a warning.
 */
export function withEcrCacheOptions(spec: string, warn: (message: string) => void = () => {}): string {
  const parts = spec.split(',').map((p) => p.trim());
  if (!parts.includes('type=registry')) return spec;
  for (const option of ['image-manifest=true', 'oci-mediatypes=true']) {
    const key = option.split('=')[0]!;
    const given = parts.filter((p) => p.startsWith(`${key}=`));
    const wrong = given.filter((p) => p.toLowerCase() !== option);
    if (wrong.length)
      warn(
        `cache-to '${spec}': ${wrong.join(', ')} replaced by ${option} (ECR stores a registry cache only as an OCI image manifest).`,
      );
    const at = parts.findIndex((p) => p.startsWith(`${key}=`));
    const kept = parts.filter((p) => !p.startsWith(`${key}=`));
    kept.splice(at === -1 ? kept.length : at, 0, option);
    parts.splice(0, parts.length, ...kept);
  }
  return parts.join(',');
}

export interface BuildStats {
  /** Steps that ran an instruction (FROM excluded). */
  steps: number;
  cached: number;
  /** The instructions that were not taken from the cache. */
  rebuilt: string[];
}

/** Reads cache use from the build log (classic "Step N/M" + "Using cache", or buildx "#N CACHED"). */
export function buildStats(log: string, builder: ResolvedBuilder): BuildStats {
  const lines = log.split(/\r?\n/);
  if (builder === 'docker') {
    const steps: Array<{ instruction: string; cached: boolean }> = [];
    for (const line of lines) {
      const step = /^Step \d+\/\d+ : (.*)$/.exec(line);
      if (step) steps.push({ instruction: step[1]!, cached: false });
      else if (/^ ---> Using cache$/.test(line) && steps.length) steps.at(-1)!.cached = true;
    }
    // Global ARGs (before the first FROM) and FROM lines make no layer and are never "cached".
    const firstFrom = steps.findIndex((s) => /^FROM\s/i.test(s.instruction));
    const run = steps.filter((s, i) => i > firstFrom && !/^FROM\s/i.test(s.instruction));
    return {
      steps: run.length,
      cached: run.filter((s) => s.cached).length,
      rebuilt: run.filter((s) => !s.cached).map((s) => s.instruction),
    };
  }
  const names = new Map<string, string>();
  const cached = new Set<string>();
  for (const line of lines) {
    const named = /^#(\d+) \[[^\]]*\] (.*)$/.exec(line);
    if (named && !/^FROM\s/i.test(named[2]!) && !/^(load|internal)/.test(named[2]!))
      names.set(named[1]!, named[2]!);
    const hit = /^#(\d+) CACHED$/.exec(line);
    if (hit) cached.add(hit[1]!);
  }
  const ids = [...names.keys()];
  return {
    steps: ids.length,
    cached: ids.filter((id) => cached.has(id)).length,
    rebuilt: ids.filter((id) => !cached.has(id)).map((id) => names.get(id)!),
  };
}

export interface PushResult {
  digest: string;
  layersPushed: number;
  layersExisting: number;
}

/** `docker push` output: "<id>: Pushed", "<id>: Layer already exists", "<tag>: digest: sha256:... size: N". */
export function parsePushOutput(out: string): PushResult | undefined {
  const digest = /: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(out)?.[1];
  if (!digest) return undefined;
  return {
    digest,
    layersPushed: (out.match(/^[0-9a-f]{12}: Pushed\s*$/gm) ?? []).length,
    layersExisting: (out.match(/^[0-9a-f]{12}: Layer already exists\s*$/gm) ?? []).length,
  };
}
