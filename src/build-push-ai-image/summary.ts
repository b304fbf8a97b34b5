import { escapeMarkdown, inlineCode, markdownTable } from '../lib/summary.ts';
import { formatBytes, largestLayers } from './image-report.ts';
import type { Report } from './pipeline.ts';

/** The job summary: what was built, how big, what is in it, what was pushed. */
export function renderSummary(report: Report, failure?: string): string {
  const rows: string[][] = [];
  const add = (what: string, value: string | undefined) => {
    if (value !== undefined) rows.push([what, value]);
  };
  add(
    'Result',
    failure ? `failed: ${escapeMarkdown(failure.split('\n')[0]!)}` : report.digest ? 'pushed' : 'built',
  );
  add(
    'Repository',
    inlineCode(report.registry ? `${report.registry}/${report.repository}` : report.repository),
  );
  add(
    'Builder',
    report.builder
      ? inlineCode(report.builder === 'buildx' ? 'docker buildx build' : 'docker build')
      : undefined,
  );
  add('Base image', inlineCode(report.baseImage));
  add('Image ID', report.imageId ? inlineCode(report.imageId) : undefined);
  add('Size (uncompressed)', report.sizeBytes !== undefined ? formatBytes(report.sizeBytes) : undefined);
  if (report.budget) {
    add('Budget', `${report.budget.maxMb} MB: ${report.budget.over ? '**over**' : 'within'}`);
  }
  if (report.build) add('Layer cache', `${report.build.cached} of ${report.build.steps} steps cached`);
  if (report.cuda) {
    add(
      'CPU-only check',
      report.cuda.findings.length
        ? `**${report.cuda.findings.length} CUDA finding(s), ${formatBytes(report.cuda.totalBytes)}**`
        : 'no CUDA libraries',
    );
  }
  if (report.createdRepository) add('Repository created', 'yes');
  add('Digest', report.digest ? inlineCode(report.digest) : undefined);
  add(
    'Compressed size (registry)',
    report.compressedSizeBytes !== undefined ? formatBytes(report.compressedSizeBytes) : undefined,
  );
  if (report.layersPushed !== undefined)
    add('Layers uploaded', `${report.layersPushed} (${report.layersExisting ?? 0} already there)`);
  add(
    'Tags pushed',
    report.pushed.length ? report.pushed.map((p) => inlineCode(p.ref)).join('<br>') : undefined,
  );

  let md = `### Image ${escapeMarkdown(report.repository)}\n\n${markdownTable(['', ''], rows)}`;
  if (report.layers?.length) {
    md += `\n#### Largest layers\n\n${markdownTable(
      ['Size', 'Instruction'],
      largestLayers(report.layers).map((l) => [formatBytes(l.size), inlineCode(l.instruction.slice(0, 160))]),
    )}`;
  }
  if (report.cuda?.findings.length) {
    md += `\n#### CUDA/GPU files\n\n${markdownTable(
      ['Size', 'Kind', 'Where'],
      report.cuda.findings.map((f) => [formatBytes(f.bytes), escapeMarkdown(f.kind), inlineCode(f.location)]),
    )}`;
  }
  return md;
}
