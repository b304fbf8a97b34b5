/**
 * Just enough of the Dockerfile syntax to validate `target` and name the base image: the global
 * ARGs before the first FROM, each stage's FROM image and `AS` name. Line continuations and
 * comments are handled; parser directives and heredocs are not needed for either question.
 */
export interface Stage {
  /** Lower-cased `AS` name, if any. */
  name?: string;
  /** The FROM argument as written (may hold ${ARG} references or name an earlier stage). */
  from: string;
  index: number;
}

export interface ParsedDockerfile {
  stages: Stage[];
  /** Global ARG defaults (before the first FROM). */
  args: Record<string, string>;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = logicalLines(text);
  const stages: Stage[] = [];
  const args: Record<string, string> = {};
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const instruction = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (instruction === 'ARG' && stages.length === 0) {
      for (const part of rest.split(/\s+/)) {
        const eq = part.indexOf('=');
        if (eq > 0) args[part.slice(0, eq)] = unquote(part.slice(eq + 1));
        else args[part] ??= '';
      }
    } else if (instruction === 'FROM') {
      const words = rest.split(/\s+/).filter((w) => !w.startsWith('--'));
      const from = words[0] ?? '';
      const as = words.length >= 3 && words[1]!.toUpperCase() === 'AS' ? words[2]!.toLowerCase() : undefined;
      stages.push({ from, index: stages.length, ...(as ? { name: as } : {}) });
    }
  }
  return { stages, args };
}

function logicalLines(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') && current === '') continue;
    if (line.startsWith('#')) continue; // comment inside a continuation
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim()) out.push(current.trim());
    current = '';
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
}

/** Substitutes ${NAME}, ${NAME:-default} and $NAME from `values`. */
export function expandArgs(text: string, values: Record<string, string>): string {
  return text.replace(
    /\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g,
    (_m, braced?: string, fallback?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      const value = values[name];
      return value !== undefined && value !== '' ? value : (fallback ?? '');
    },
  );
}

/** The stage `target` names (or the last stage), or undefined when no such stage exists. */
export function findStage(parsed: ParsedDockerfile, target: string): Stage | undefined {
  if (!target) return parsed.stages.at(-1);
  const wanted = target.toLowerCase();
  return parsed.stages.find((s) => s.name === wanted);
}

/**
 * The external image the target stage is built on: follows FROM lines that name earlier stages,
 * with global ARG defaults overridden by build args.
 */
export function baseImageOf(
  parsed: ParsedDockerfile,
  stage: Stage,
  buildArgs: Record<string, string>,
): string {
  const values = { ...parsed.args, ...buildArgs };
  let current: Stage | undefined = stage;
  for (let hops = 0; current && hops <= parsed.stages.length; hops++) {
    const image = expandArgs(current.from, values);
    const earlier = parsed.stages.find((s) => s.index < current!.index && s.name === image.toLowerCase());
    if (!earlier) return image;
    current = earlier;
  }
  return stage.from;
}
