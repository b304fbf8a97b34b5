// When the sample stack provides a GitHub endpoint, jobs talk to it: GITHUB_SERVER_URL/API_URL/GRAPHQL_URL
// come from the stack file's `github` entry, and its installation token is the job's GITHUB_TOKEN
// (on GitHub every job has one) unless the caller passes secrets.GITHUB_TOKEN itself.
import { readFileSync } from 'node:fs';

export interface StackGitHub {
  serverUrl: string;
  apiUrl: string;
  graphqlUrl: string;
  token: string;
}

export function stackGitHub(stackFile: string | undefined): StackGitHub | undefined {
  if (!stackFile) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(stackFile, 'utf8'));
  } catch {
    return undefined; // the stand-ins that need the stack file report it themselves
  }
  const gh = (parsed as { github?: Partial<StackGitHub> } | null)?.github;
  if (
    !gh ||
    typeof gh.serverUrl !== 'string' ||
    typeof gh.apiUrl !== 'string' ||
    typeof gh.graphqlUrl !== 'string' ||
    typeof gh.token !== 'string'
  )
    return undefined;
  return { serverUrl: gh.serverUrl, apiUrl: gh.apiUrl, graphqlUrl: gh.graphqlUrl, token: gh.token };
}
