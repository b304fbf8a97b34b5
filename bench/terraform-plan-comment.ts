// Benchmark (not a test): terraform-plan-comment's committed bundle rendering plans of 100, 1,000
// and 10,000 resources (a real fixture's resources repeated, with a text plan in Terraform's format),
// side by side with the jq one-liner a workflow would otherwise use to list a plan's changes (no
// redaction, no size limit, no comment). Prints wall time and peak RSS per size.
//   npm run bench:terraform-plan
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scaledPlan } from '../action-tests/terraform-plans.ts';
import { analysePlan, parsePlanJson } from '../src/terraform-plan-comment/plan.ts';
import { renderComment } from '../src/terraform-plan-comment/render.ts';
import { cleanText, Redactor } from '../src/terraform-plan-comment/text.ts';
import { median } from './lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const BUNDLE = join(ROOT, 'dist/terraform-plan-comment/index.js');
const FIXTURES = join(ROOT, 'action-tests/fixtures/terraform');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = [100, 1_000, 10_000];

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

interface Row {
  resources: number;
  jsonMB: number;
  textMB: number;
  inProcessMs: number;
  bundleMs: number;
  bundleRssMB: number;
  commentChars: number;
  summaryChars: number;
  jqMs: number;
  jqRssMB: number;
}

function runBundle(dir: string): { ms: number; rssMB: number; comment: number; summary: number } {
  const summaryFile = join(dir, 'summary.md');
  const files: Record<string, string> = {};
  for (const k of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
    files[k] = k === 'GITHUB_STEP_SUMMARY' ? summaryFile : join(dir, k);
    writeFileSync(files[k], '');
  }
  const rssFile = join(dir, 'rss');
  const start = process.hrtime.bigint();
  const r = spawnSync(NODE, ['--import', join(ROOT, 'bench/peak-rss.mjs'), BUNDLE], {
    env: {
      PATH: process.env.PATH,
      RUNNER_TEMP: dir,
      GITHUB_WORKSPACE: dir,
      BENCH_RSS_FILE: rssFile,
      ...files,
      'INPUT_WORKING-DIRECTORY': '.',
      'INPUT_PLAN-JSON': 'plan.json',
      'INPUT_PLAN-TEXT': 'plan.txt',
      INPUT_COMMENT: 'off',
      'INPUT_MAX-COMMENT-CHARS': '65000',
      'INPUT_FAIL-ON-ERROR': 'true',
    },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const took = ms(start);
  if (r.status !== 0) throw new Error(`the bundle failed: ${r.stdout}\n${r.stderr}`);
  return {
    ms: took,
    rssMB: Number(readFileSync(rssFile, 'utf8')) / 1024,
    comment: 0,
    summary: readFileSync(summaryFile, 'utf8').length,
  };
}

function runJq(dir: string): { ms: number; rssMB: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%M',
      'jq',
      '-r',
      '.resource_changes[] | select(.change.actions != ["no-op"]) | "\\(.change.actions | join("/")) \\(.address)"',
      join(dir, 'plan.json'),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const took = ms(start);
  if (r.status !== 0) throw new Error(`jq failed: ${r.stderr}`);
  return { ms: took, rssMB: Number(r.stderr.trim().split('\n').pop()) / 1024 };
}

const rows: Row[] = [];
for (const n of SIZES) {
  const replaces = Math.max(1, Math.round(n / 100));
  const plan = scaledPlan(FIXTURES, n - 2 * replaces, replaces);
  const dir = mkdtempSync(join(tmpdir(), `bench-tfplan-${n}-`));
  const jsonText = JSON.stringify(plan.json);
  writeFileSync(join(dir, 'plan.json'), jsonText);
  writeFileSync(join(dir, 'plan.txt'), plan.text);

  // In-process: parse, classify, redact, clean and render both the comment and the job summary.
  const inProcess: number[] = [];
  let commentChars = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const analysis = analysePlan(parsePlanJson(jsonText, 'plan.json'));
    const redactor = new Redactor(analysis.sensitiveValues);
    const input = {
      key: { directory: 'infra', workspace: 'default', label: '' },
      status: 'changes' as const,
      analysis,
      text: redactor.text(cleanText(plan.text)),
      errors: [],
      redactor,
      footer: {
        sha: 'a'.repeat(40),
        runUrl: 'https://github.com/acme/shop/actions/runs/1',
        time: new Date(),
        tool: 'terraform',
      },
    };
    commentChars = renderComment(input, { maxChars: 65_000, fullRenderingHint: '' }).markdown.length;
    renderComment(input, { maxChars: 1_000_000, fullRenderingHint: '' });
    inProcess.push(ms(start));
  }
  const bundle = Array.from({ length: RUNS }, () => runBundle(dir));
  const jq = Array.from({ length: RUNS }, () => runJq(dir));
  rows.push({
    resources: n,
    jsonMB: jsonText.length / 1e6,
    textMB: plan.text.length / 1e6,
    inProcessMs: median(inProcess),
    bundleMs: median(bundle.map((b) => b.ms)),
    bundleRssMB: Math.max(...bundle.map((b) => b.rssMB)),
    commentChars,
    summaryChars: bundle[0]!.summary,
    jqMs: median(jq.map((j) => j.ms)),
    jqRssMB: Math.max(...jq.map((j) => j.rssMB)),
  });
}

const pad = (s: string | number, w: number) => String(s).padStart(w);
const size = (mb: number) => (mb < 1 ? `${(mb * 1000).toFixed(0)} kB` : `${mb.toFixed(1)} MB`);
process.stdout.write(
  `terraform-plan-comment render benchmark (median of ${RUNS} runs; Node ${process.version}; ${SIZES.join(', ')} resources)\n\n`,
);
process.stdout.write(
  `${pad('resources', 9)} ${pad('plan.json', 10)} ${pad('text', 8)} | ${pad('render (in-process)', 19)} | ${pad('bundle run', 10)} ${pad('peak RSS', 9)} ${pad('comment', 8)} ${pad('summary', 9)} | ${pad('jq list', 8)} ${pad('jq RSS', 7)}\n`,
);
for (const r of rows) {
  process.stdout.write(
    `${pad(r.resources.toLocaleString('en-US'), 9)} ${pad(size(r.jsonMB), 10)} ${pad(size(r.textMB), 8)} | ${pad(`${r.inProcessMs.toFixed(0)} ms`, 19)} | ${pad(`${r.bundleMs.toFixed(0)} ms`, 10)} ${pad(`${r.bundleRssMB.toFixed(0)} MB`, 9)} ${pad(r.commentChars, 8)} ${pad(r.summaryChars, 9)} | ${pad(`${r.jqMs.toFixed(0)} ms`, 8)} ${pad(`${r.jqRssMB.toFixed(0)} MB`, 7)}\n`,
  );
}
const [small, , big] = rows;
process.stdout.write(
  `\nGrowth 100 -> 10,000 resources (x100): in-process render x${(big!.inProcessMs / small!.inProcessMs).toFixed(1)}, bundle run x${(big!.bundleMs / small!.bundleMs).toFixed(1)} (includes Node start-up), peak RSS x${(big!.bundleRssMB / small!.bundleRssMB).toFixed(1)}.\n` +
    `Targets at 10,000 resources: under 1 s (${big!.bundleMs < 1000 ? 'met' : 'NOT met'}: ${big!.bundleMs.toFixed(0)} ms for the whole bundle run) and under 300 MB (${big!.bundleRssMB < 300 ? 'met' : 'NOT met'}: ${big!.bundleRssMB.toFixed(0)} MB).\n`,
);
