/** What the image is made of: layers from `docker history`, sizes, and the budget verdict. */
export interface Layer {
  /** The image ID of the layer's history entry, or `<missing>`. */
  id: string;
  /** The Dockerfile instruction that made the layer, tidied. */
  instruction: string;
  size: number;
}

interface HistoryLine {
  ID?: string;
  CreatedBy?: string;
  Size?: string | number;
  Comment?: string;
}

/** `docker history --no-trunc --human=false --format '{{json .}}'`: one JSON object per line, newest first. */
export function parseHistory(stdout: string): Layer[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const h = JSON.parse(line) as HistoryLine;
      const size = typeof h.Size === 'number' ? h.Size : parseSize(h.Size ?? '0');
      return {
        id: h.ID ?? '<missing>',
        instruction: tidyInstruction(h.CreatedBy ?? '', h.Comment ?? ''),
        size,
      };
    });
}

function parseSize(text: string): number {
  const m = /^([\d.]+)\s*([kMG]?B)?$/.exec(text.trim());
  if (!m) return 0;
  const factor = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] ?? 'B'] ?? 1;
  return Math.round(Number(m[1]) * factor);
}

export function tidyInstruction(createdBy: string, comment: string): string {
  let text = createdBy.trim();
  if (!text) return comment.startsWith('Imported from') ? '(base image, imported)' : '(base image)';
  text = text.replace(/\s+# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(text);
  if (nop) return nop[1]!.trim();
  const shell = /^\/bin\/sh -c (.*)$/s.exec(text);
  if (shell) return `RUN ${shell[1]!.trim()}`;
  return text.replace(/^\|\d+ (\S+=\S* )+/, '');
}

export function largestLayers(layers: readonly Layer[], count = 10): Layer[] {
  return layers
    .filter((l) => l.size > 0)
    .sort((a, b) => b.size - a.size)
    .slice(0, count);
}

/** Sizes as docker prints them: decimal units. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

export function short(text: string, max = 100): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/** undefined when within budget, else the failure message (by how much, and the largest layers). */
export function checkBudget(
  sizeBytes: number,
  maxMb: number | undefined,
  layers: readonly Layer[],
): string | undefined {
  if (maxMb === undefined) return undefined;
  const budget = maxMb * 1e6;
  if (sizeBytes <= budget) return undefined;
  const over = sizeBytes - budget;
  const top = largestLayers(layers, 3)
    .map((l, i) => `  ${i + 1}. ${formatBytes(l.size)}  ${short(l.instruction)}`)
    .join('\n');
  return (
    `The image is ${formatBytes(sizeBytes)}, ${formatBytes(over)} (${((over / budget) * 100).toFixed(1)}%) over the max-image-size-mb budget of ${maxMb} MB. Nothing was pushed.\n` +
    `Largest layers:\n${top}\n` +
    'Use a multi-stage build that copies only what the server needs into the runtime stage, CPU-only wheels, and no build caches.'
  );
}
