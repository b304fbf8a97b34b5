// Seed SSM parameters through the real AWS SDK (signed PutParameter calls, so they also appear in
// the call log). For seeding without the SDK use `awsAdmin(url).ssm.put(...)` or, in-process,
// `ssmService.parameters.put(...)`.
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsCredentials } from './types.ts';

export interface SeedParameter {
  Name: string;
  Value: string;
  /** Default String. */
  Type?: 'String' | 'StringList' | 'SecureString';
  /** Default true. */
  Overwrite?: boolean;
  Description?: string;
  KeyId?: string;
  Tier?: 'Standard' | 'Advanced' | 'Intelligent-Tiering';
  DataType?: string;
}

/** Put each parameter in `region`; returns the new versions in order. */
export async function seedParameters(
  url: string,
  credentials: AwsCredentials,
  region: string,
  params: SeedParameter[],
): Promise<{ Name: string; Version: number }[]> {
  const client = new SSMClient({
    region,
    endpoint: url,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken !== undefined ? { sessionToken: credentials.sessionToken } : {}),
    },
  });
  try {
    const out: { Name: string; Version: number }[] = [];
    for (const p of params) {
      const res = await client.send(new PutParameterCommand({ Type: 'String', Overwrite: true, ...p }));
      out.push({ Name: p.Name, Version: res.Version ?? 0 });
    }
    return out;
  } finally {
    client.destroy();
  }
}
