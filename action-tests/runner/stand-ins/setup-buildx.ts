// docker/setup-buildx-action: on GitHub it creates a buildx builder (docker-container driver). The
// local machine has no buildx (Debian packages none), so the stand-in says so and sets empty outputs:
// the next steps then see exactly what a runner without buildx offers. When buildx is present, its
// current builder is reported as the action would.
import { spawnSync } from 'node:child_process';
import type { StandIn } from './types.ts';

export const setupBuildx: StandIn = {
  name: 'docker/setup-buildx-action',
  description:
    'reports the local docker buildx builder, or that buildx is not available (no builder is created)',
  inputs: {
    version: {},
    name: {},
    driver: { default: 'docker-container' },
    'driver-opts': {},
    'buildkitd-flags': {},
    'buildkitd-config': {},
    'buildkitd-config-inline': {},
    install: { default: 'false' },
    use: { default: 'true' },
    endpoint: {},
    platforms: {},
    append: {},
    'keep-state': { default: 'false' },
    'cache-binary': { default: 'true' },
    cleanup: { default: 'true' },
  },
  run(ctx) {
    const env = { ...ctx.env };
    const version = spawnSync('docker', ['buildx', 'version'], { env, encoding: 'utf8' });
    if (version.status !== 0) {
      for (const name of ['name', 'driver', 'platforms', 'nodes', 'endpoint', 'status', 'flags'])
        ctx.setOutput(name, '');
      ctx.log(
        'docker buildx is not available on this machine (no Debian package provides it): no builder was created; ' +
          "actions that use buildx when present fall back to the classic 'docker build'",
      );
      return 'buildx unavailable locally: outputs left empty';
    }
    const inspect = spawnSync('docker', ['buildx', 'inspect'], { env, encoding: 'utf8' });
    const field = (name: string) =>
      new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(inspect.stdout ?? '')?.[1]?.trim() ?? '';
    ctx.setOutput('name', field('Name'));
    ctx.setOutput('driver', field('Driver'));
    ctx.setOutput('platforms', field('Platforms'));
    ctx.setOutput('endpoint', field('Endpoint'));
    ctx.setOutput('status', field('Status'));
    ctx.setOutput('nodes', '[]');
    ctx.setOutput('flags', '');
    return `using the existing buildx builder '${field('Name')}' (${version.stdout.trim()}); no new builder created`;
  },
};
