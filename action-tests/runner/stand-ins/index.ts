// Stand-ins for remote actions, by `owner/repo`. Add one file per action and register it here.
import { checkout } from './checkout.ts';
import { configureAwsCredentials } from './configure-aws-credentials.ts';
import { setupTerraform } from './setup-terraform.ts';
import { setupBuildx } from './setup-buildx.ts';
import type { StandIn } from './types.ts';

export type { StandIn, StandInContext, StandInInput } from './types.ts';

export const STAND_INS_DIR = 'action-tests/runner/stand-ins';

const all: StandIn[] = [checkout, configureAwsCredentials, setupTerraform, setupBuildx];

export const standIns: ReadonlyMap<string, StandIn> = new Map(all.map((s) => [s.name.toLowerCase(), s]));

/** The stand-in for `owner/repo[/path]@ref`, if one is declared. */
export function findStandIn(uses: string): StandIn | undefined {
  const [owner, repo] = uses.split('@')[0]!.split('/');
  return standIns.get(`${owner}/${repo}`.toLowerCase());
}
