/** Reading SSM parameters in batches, masking secrets the moment they arrive. */

export interface FetchedParameter {
  name: string;
  type: string;
  value: string;
  version?: number;
}

export interface BatchResponse {
  parameters: FetchedParameter[];
  invalid: string[];
}

/** One GetParameters call (at most 10 names, WithDecryption on). */
export type GetParametersBatch = (names: string[]) => Promise<BatchResponse>;

/** GetParameters accepts at most 10 names per call. */
export const BATCH_SIZE = 10;

export function batches<T>(items: readonly T[], size = BATCH_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface ParameterSet {
  found: Map<string, FetchedParameter>;
  missing: string[];
  calls: number;
}

/**
 * Reads every distinct name with ceil(n/10) calls. `mask` is called on every SecureString value
 * (and on every value in `alwaysSecret`) as soon as its batch returns, before anything else.
 */
export async function readParameters(
  names: readonly string[],
  getBatch: GetParametersBatch,
  mask: (value: string) => void,
  alwaysSecret: ReadonlySet<string> = new Set(),
): Promise<ParameterSet> {
  const unique = [...new Set(names)];
  const found = new Map<string, FetchedParameter>();
  const missing: string[] = [];
  const groups = batches(unique);
  const responses = await Promise.all(
    groups.map(async (group) => {
      const response = await getBatch(group);
      for (const p of response.parameters) {
        if (p.type === 'SecureString' || alwaysSecret.has(p.name)) mask(p.value);
      }
      return response;
    }),
  );
  for (const response of responses) {
    for (const p of response.parameters) found.set(p.name, p);
    missing.push(...response.invalid);
  }
  // A name the service neither returned nor listed as invalid is missing too.
  for (const name of unique) if (!found.has(name) && !missing.includes(name)) missing.push(name);
  return { found, missing, calls: groups.length };
}
