import { endpointOf, parseArgs } from './args.ts';

// `nimbus mail`: the local mailbox that email / email-json SNS subscriptions deliver to (no mail leaves the machine).
//
//   nimbus mail [--to ADDRESS] [--after ID] [--full] [--json] [--clear] [--endpoint URL]
//
// Reads the gateway's /_nimbus/sns/mail route. Confirmation mails carry the "Confirm subscription" link: open it
// (or curl it) to confirm the subscription.

export const MAIL_HELP = `nimbus mail [--to ADDRESS] [--after ID] [--full] [--json] [--clear] [--endpoint URL]
  List the local mailbox of SNS email/email-json subscriptions (newest last).
  --to       only mail to this address        --after  only mail with an id above this
  --full     print whole bodies               --json   raw JSON
  --clear    empty the mailbox (or only --to's mail)`;

interface Mail {
  id: number;
  to: string;
  subject: string;
  kind: string;
  contentType: string;
  topicArn: string;
  date: string;
  body: string;
}

/** Runs `nimbus mail …`; returns the process exit code. `args` are the words after `mail`. */
export async function mailCommand(args: string[], out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const { flags } = parseArgs(args);
  if (flags.help) {
    out(MAIL_HELP);
    return 0;
  }
  const endpoint = endpointOf(flags);
  const q = new URLSearchParams();
  if (typeof flags.to === 'string') q.set('to', flags.to);
  if (typeof flags.after === 'string') q.set('after', flags.after);
  const url = `${endpoint}/_nimbus/sns/mail${q.size ? `?${q}` : ''}`;
  const res = await fetch(url, { method: flags.clear ? 'DELETE' : 'GET' }).catch(() => undefined);
  if (!res) {
    out(`nimbus: not running at ${endpoint}`);
    return 1;
  }
  if (!res.ok) {
    out(`nimbus: ${url} answered ${res.status}${res.status === 404 ? ' (this Nimbus has no SNS mailbox route)' : ''}`);
    return 1;
  }
  const body = (await res.json()) as { messages?: Mail[]; deleted?: number };
  if (flags.clear) {
    out(`deleted ${body.deleted ?? 0} message(s)`);
    return 0;
  }
  const messages = body.messages ?? [];
  if (flags.json) {
    out(JSON.stringify(messages, null, 2));
    return 0;
  }
  if (!messages.length) {
    out('(no mail)');
    return 0;
  }
  for (const m of messages) {
    out(`#${m.id}  ${m.date}  to ${m.to}  [${m.kind}]`);
    out(`    Subject: ${m.subject}`);
    const link = /Confirm subscription: (\S+)/.exec(m.body)?.[1];
    if (flags.full) {
      for (const line of m.body.split('\n')) out(`    ${line}`);
    } else if (link) {
      out(`    Confirm: ${link}`);
    } else {
      const text = m.contentType === 'application/json' ? (safeMessage(m.body) ?? m.body) : m.body.split('\n--\n')[0];
      const first = text.split('\n')[0];
      out(`    ${first.length > 100 ? `${first.slice(0, 100)}…` : first}`);
    }
  }
  return 0;
}

function safeMessage(json: string): string | undefined {
  try {
    const m = (JSON.parse(json) as { Message?: unknown }).Message;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}
