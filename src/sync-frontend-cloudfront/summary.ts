import { escapeMarkdown, inlineCode, markdownTable } from '../lib/summary.ts';
import { formatBytes, type SyncResult } from './sync.ts';
import type { Inputs } from './inputs.ts';
import type { DeleteRefused } from './plan.ts';

const LIST_CAP = 50;

/** `failure`: the step failed part-way (a phase or the deletions); the table shows what completed. */
export function renderSummary(result: SyncResult, inputs: Inputs, failure?: string): string {
  const title = result.dryRun
    ? '### sync-frontend-cloudfront (dry run: nothing changed)'
    : failure !== undefined
      ? '### sync-frontend-cloudfront (FAILED part-way: what completed)'
      : '### sync-frontend-cloudfront';
  const target = `s3://${inputs.bucket}/${inputs.prefix}`;
  const rows: string[][] = [
    ['Destination', inlineCode(target)],
    ['Files in source', String(result.files)],
    [result.dryRun ? 'To upload' : 'Uploaded', String(result.uploaded.length)],
    [result.dryRun ? 'Metadata to update' : 'Metadata updated', String(result.updatedMetadata.length)],
    ['Unchanged', String(result.plan.unchanged.length)],
    [result.dryRun ? 'To delete' : 'Deleted', String(result.deleted.length)],
    ['Bytes uploaded', formatBytes(result.bytesUploaded)],
    ['Time', `${(result.durationMs / 1000).toFixed(1)} s`],
    [
      'Invalidation',
      result.invalidatedPaths.length === 0
        ? 'none'
        : `${result.invalidationIds.map(inlineCode).join(', ') || '(planned)'}: ${result.invalidatedPaths.length} path(s)`,
    ],
  ];
  const changed = [
    ...result.uploaded.map((k) => `upload ${k}`),
    ...result.updatedMetadata.map((k) => `metadata ${k}`),
    ...result.deleted.map((k) => `delete ${k}`),
  ];
  let md = `${title}\n\n${markdownTable(['', ''], rows)}`;
  if (failure !== undefined) md += `\n**Failed:**\n\n\`\`\`\n${failure}\n\`\`\`\n`;
  if (changed.length > 0) {
    md += `\n<details><summary>Changed keys (${changed.length})</summary>\n\n`;
    md += changed
      .slice(0, LIST_CAP)
      .map((c) => `- ${escapeMarkdown(c)}`)
      .join('\n');
    if (changed.length > LIST_CAP) md += `\n- ... and ${changed.length - LIST_CAP} more`;
    md += '\n\n</details>\n';
  }
  if (result.invalidatedPaths.length > 0) {
    md += `\nInvalidated paths: ${result.invalidatedPaths.slice(0, LIST_CAP).map(inlineCode).join(' ')}${result.invalidatedPaths.length > LIST_CAP ? ` ... and ${result.invalidatedPaths.length - LIST_CAP} more` : ''}\n`;
  }
  return md;
}

/** The delete guard refused: nothing was changed; how many keys would have gone, and a sample. */
export function renderRefusal(refused: DeleteRefused, inputs: Inputs): string {
  const target = `s3://${inputs.bucket}/${inputs.prefix}`;
  let md = '### sync-frontend-cloudfront (REFUSED: nothing changed)\n\n';
  md += `Refused to delete ${refused.wouldDelete} of the ${refused.total} objects under ${inlineCode(target)} `;
  md += `(more than max-delete-percent ${inputs.maxDeletePercent}%). Check source-dir and prefix, or raise max-delete-percent.\n\n`;
  md += `Some of the keys:\n\n${refused.sample.map((k) => `- ${inlineCode(k)}`).join('\n')}\n`;
  if (refused.wouldDelete > refused.sample.length)
    md += `- ... and ${refused.wouldDelete - refused.sample.length} more\n`;
  return md;
}
