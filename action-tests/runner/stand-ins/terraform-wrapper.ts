// hashicorp/setup-terraform's wrapper (terraform_wrapper: true), as its versions whose output is in the
// fixtures behave: it runs terraform-bin, echoes its output, then prints `[command]`/`::debug::` noise,
// sets the step outputs stdout/stderr/exitcode, turns the detailed exit code 2 into 0 and fails
// (`::error::`, exit 1) on anything else. Usage: node terraform-wrapper.ts BIN <arguments>
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const [bin = 'terraform-bin', ...args] = process.argv.slice(2);
const escape = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
process.stdout.write(`[command]${bin} ${args.join(' ')}\n`);
const child = spawn(bin, args, { stdio: ['inherit', 'pipe', 'pipe'] });
let stdout = '';
let stderr = '';
child.stdout.on('data', (c: Buffer) => {
  stdout += c.toString();
  process.stdout.write(c);
});
child.stderr.on('data', (c: Buffer) => {
  stderr += c.toString();
  process.stderr.write(c);
});
child.on('close', (code) => {
  const exitCode = code ?? 1;
  process.stdout.write(`::debug::Terraform exited with code ${exitCode}.\n`);
  process.stdout.write(`::debug::stdout: ${escape(stdout)}\n`);
  process.stdout.write(`::debug::stderr: ${escape(stderr)}\n`);
  process.stdout.write(`::debug::exitcode: ${exitCode}\n`);
  const outputs: Array<[string, string]> = [
    ['stdout', stdout],
    ['stderr', stderr],
    ['exitcode', String(exitCode)],
  ];
  for (const [name, value] of outputs) {
    if (process.env.GITHUB_OUTPUT) {
      const delimiter = `ghadelimiter_${randomUUID()}`;
      appendFileSync(process.env.GITHUB_OUTPUT, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
    } else {
      process.stdout.write(`\n::set-output name=${name}::${escape(value)}\n`);
    }
  }
  if (exitCode === 0 || exitCode === 2) process.exit(0);
  process.stdout.write(`::error::Terraform exited with code ${exitCode}.\n`);
  process.exit(1);
});
