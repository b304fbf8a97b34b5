import { expect, test } from '@jest/globals';
import { checkBudget, formatBytes, largestLayers, parseHistory, tidyInstruction } from './image-report.ts';

const HISTORY = [
  {
    ID: 'sha256:aa',
    CreatedBy: '/bin/sh -c #(nop)  CMD ["python3" "-m" "app.server"]',
    Size: '0',
    Comment: '',
  },
  {
    ID: '<missing>',
    CreatedBy: '/bin/sh -c python3 training/train.py --out x',
    Size: '25165824',
    Comment: '',
  },
  {
    ID: '<missing>',
    CreatedBy: 'COPY app/ app/ # buildkit',
    Size: '11500',
    Comment: 'buildkit.dockerfile.v0',
  },
  { ID: '<missing>', CreatedBy: '', Size: '141976000', Comment: 'Imported from -' },
]
  .map((h) => JSON.stringify(h))
  .join('\n');

test('parseHistory tidies instructions and reads byte sizes', () => {
  expect(parseHistory(HISTORY)).toEqual([
    { id: 'sha256:aa', instruction: 'CMD ["python3" "-m" "app.server"]', size: 0 },
    { id: '<missing>', instruction: 'RUN python3 training/train.py --out x', size: 25165824 },
    { id: '<missing>', instruction: 'COPY app/ app/', size: 11500 },
    { id: '<missing>', instruction: '(base image, imported)', size: 141976000 },
  ]);
});

test('human sizes from older clients are read too', () => {
  expect(parseHistory(JSON.stringify({ ID: 'x', CreatedBy: 'x', Size: '12.5MB' }))[0]!.size).toBe(12_500_000);
});

test('tidyInstruction keeps buildx RUN lines readable', () => {
  expect(tidyInstruction('RUN /bin/sh -c make # buildkit', '')).toBe('RUN /bin/sh -c make');
  expect(tidyInstruction('|1 BASE=x /bin/sh -c make', '')).toBe('/bin/sh -c make');
});

test('largestLayers drops empty layers and sorts by size', () => {
  expect(largestLayers(parseHistory(HISTORY), 2).map((l) => l.size)).toEqual([141976000, 25165824]);
});

test('formatBytes uses decimal units as docker does', () => {
  expect([
    formatBytes(999),
    formatBytes(11_500),
    formatBytes(141_976_000),
    formatBytes(3_200_000_000),
  ]).toEqual(['999 B', '11.5 kB', '142.0 MB', '3.20 GB']);
});

test('checkBudget: within is undefined; over says by how much and lists the largest layers', () => {
  const layers = parseHistory(HISTORY);
  expect(checkBudget(167_152_000, 200, layers)).toBeUndefined();
  expect(checkBudget(167_152_000, undefined, layers)).toBeUndefined();
  const message = checkBudget(167_152_000, 100, layers)!;
  expect(message).toMatch(
    /^The image is 167\.2 MB, 67\.2 MB \(67\.2%\) over the max-image-size-mb budget of 100 MB\. Nothing was pushed\./,
  );
  expect(message).toContain('1. 142.0 MB  (base image, imported)');
  expect(message).toContain('2. 25.2 MB  RUN python3 training/train.py --out x');
});
