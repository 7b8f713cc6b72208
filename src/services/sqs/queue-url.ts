import type { RequestContext } from '../../gateway/context.ts';
import type { QueueInfo, QueueRef } from '../../engines/queue/index.ts';
import { InvalidAddress, MissingParameter } from './errors.ts';

// Queue URLs: Nimbus hands out `http://{the host the client used}/{account}/{name}`, so they work from wherever the
// client reached us (localhost, the bridge gateway inside an instance, a container network name). Any URL of the
// form `<scheme>://<host>/<12-digit account>/<name>` is accepted back, including AWS's own
// (`https://sqs.{region}.amazonaws.com/{account}/{name}`, `https://{region}.queue.amazonaws.com/…`), whose
// region then wins over the request's.

const PATH = /^\/(\d{12})\/([A-Za-z0-9_.-]{1,80})\/?$/;
const AWS_HOST = /^(?:sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?)$/;

export function queueUrl(ctx: RequestContext, q: Pick<QueueInfo, 'account' | 'name'>): string {
  return `http://${ctx.host}/${q.account}/${q.name}`;
}

/** Queue path of a request that was posted to a queue URL (query protocol), if it was. */
export function queuePath(path: string): { account: string; name: string } | undefined {
  const m = PATH.exec(path);
  return m ? { account: m[1]!, name: m[2]! } : undefined;
}

/** The queue a QueueUrl names; InvalidAddress when it is not a queue URL at all. */
export function queueRef(ctx: RequestContext, url: string | undefined): QueueRef {
  if (url === undefined || url === '') throw new MissingParameter('The request must contain the parameter QueueUrl.');
  let path: string;
  let host = '';
  if (url.startsWith('/')) {
    path = url;
  } else {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new InvalidAddress(`The address ${url} is not valid for this endpoint.`);
    }
    path = u.pathname;
    host = u.hostname.toLowerCase();
  }
  const p = queuePath(path);
  if (!p) throw new InvalidAddress(`The address ${url} is not valid for this endpoint.`);
  const aws = AWS_HOST.exec(host);
  const region = aws ? (aws[1] ?? aws[2])! : ctx.region;
  return { account: p.account, region, name: p.name };
}
