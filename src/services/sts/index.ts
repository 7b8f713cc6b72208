import { readFileSync } from 'node:fs';
import type { RequestContext } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';

// STS: just "who am I", so tools (the AWS CLI, Terraform, SDK credential checks) can confirm the
// account they talk to. The gateway's authentication step says who: a key of the credentials file (its account,
// and its user when named), a workload key, or in permissive mode the 12-digit key id / the default account.
const model = JSON.parse(readFileSync(new URL('../../../models/sts.json', import.meta.url), 'utf8')) as ServiceModel;

export function createStsService(): ServiceDefinition {
  return {
    name: 'sts',
    model,
    protocols: [protocols.query],
    handlers: {
      GetCallerIdentity: (_input: unknown, ctx: RequestContext) => ({
        UserId: ctx.caller?.userId || ctx.accessKeyId || ctx.account,
        Account: ctx.account,
        Arn: ctx.caller?.arn ?? `arn:aws:iam::${ctx.account}:root`,
      }),
    },
  };
}
