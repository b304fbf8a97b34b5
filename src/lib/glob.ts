/**
 * A glob as a RegExp over `/`-separated relative paths: `**` any number of segments (`a/**` also
 * matches `a` itself and `**\/x` matches `x`), `*` any characters but `/`, `?` one character but `/`,
 * `{a,b}` alternatives. A pattern without `/` matches a base name at any depth (as .gitignore).
 */
export function globToRegExp(glob: string): RegExp {
  const anchored = glob.includes('/');
  const pattern = glob.replace(/^\.\//, '').replace(/^\//, '');
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slashAfter = pattern[i + 2] === '/';
        re += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) {
        re += '\\{';
      } else {
        re += `(?:${pattern
          .slice(i + 1, end)
          .split(',')
          .map((alt) => alt.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
          .join('|')})`;
        i = end;
      }
    } else {
      re += c.replace(/[.+^$()|[\]\\}]/g, '\\$&');
    }
  }
  if (re.endsWith('/.*')) re = `${re.slice(0, -3)}(?:/.*)?`;
  return new RegExp(anchored ? `^${re}$` : `^(?:.*/)?${re}$`);
}

export function matchesAny(path: string, globs: readonly RegExp[]): boolean {
  return globs.some((g) => g.test(path));
}
