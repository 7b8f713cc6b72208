// Billing (Cost Explorer): cost by day, by service and by purchase option; Savings Plans and Reserved Instance
// utilization; spot interruptions (from EC2). Days are Nimbus's (possibly simulated) clock.
import { CostExplorerClient, GetCostAndUsageCommand, GetReservationUtilizationCommand, GetSavingsPlansUtilizationCommand, type ResultByTime } from '@aws-sdk/client-cost-explorer';
import { DescribeInstancesCommand, DescribeSpotInstanceRequestsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { client, errorText, isUnavailable } from '../aws.ts';
import { TimeChart } from '../components/Chart.tsx';
import { Empty, ErrorText, KeyValues, Loading, money, Panel, State, time } from '../components/ui.tsx';
import { nimbusNow } from '../nimbus.ts';
import { usePoll } from '../poll.ts';
import { Link } from '../router.tsx';

const ce = () => client(CostExplorerClient);
const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Per group key, the sum over the period; and per day, the total. */
function summarize(results: ResultByTime[]) {
  const byKey = new Map<string, number>();
  const days: Array<[string, number]> = [];
  for (const r of results) {
    let total = Number(r.Total?.UnblendedCost?.Amount ?? 0);
    if (r.Groups?.length) total = 0;
    for (const g of r.Groups ?? []) {
      const v = Number(g.Metrics?.UnblendedCost?.Amount ?? 0);
      total += v;
      const k = g.Keys?.join(' / ') ?? '?';
      byKey.set(k, (byKey.get(k) ?? 0) + v);
    }
    days.push([r.TimePeriod?.Start ?? '', total]);
  }
  return { byKey: [...byKey].sort((a, b) => b[1] - a[1]), days };
}

async function loadCosts() {
  const now = await nimbusNow();
  const TimePeriod = { Start: day(now - 29 * DAY), End: day(now + DAY) };
  const q = (Key: string) => ce().send(new GetCostAndUsageCommand({ TimePeriod, Granularity: 'DAILY', Metrics: ['UnblendedCost'], GroupBy: [{ Type: 'DIMENSION', Key }] }));
  try {
    const [byService, byPurchase] = await Promise.all([q('SERVICE'), q('PURCHASE_TYPE')]);
    const service = summarize(byService.ResultsByTime ?? []);
    const purchase = summarize(byPurchase.ResultsByTime ?? []);
    const [sp, ri] = await Promise.all([
      ce().send(new GetSavingsPlansUtilizationCommand({ TimePeriod })).then((r) => ({ total: r.Total, error: undefined }), (error: unknown) => ({ total: undefined, error })),
      ce().send(new GetReservationUtilizationCommand({ TimePeriod })).then((r) => ({ total: r.Total, error: undefined }), (error: unknown) => ({ total: undefined, error })),
    ]);
    return { available: true as const, period: TimePeriod, service, purchase, sp, ri };
  } catch (err) {
    if (isUnavailable(err)) return { available: false as const, reason: errorText(err) };
    throw err;
  }
}

async function loadSpot() {
  const ec2 = client(EC2Client);
  const instances = (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
  const spot = instances.filter((i) => i.InstanceLifecycle === 'spot');
  const requests = await ec2.send(new DescribeSpotInstanceRequestsCommand({})).then((r) => r.SpotInstanceRequests ?? []).catch(() => undefined);
  return { spot, requests };
}

export default function BillingPage() {
  const costs = usePoll(loadCosts, []);
  const spot = usePoll(loadSpot, []);
  const c = costs.data;
  return (
    <>
      <h1>Billing</h1>
      <ErrorText error={costs.error} />
      {!c ? <Loading what="costs" /> : !c.available ? (
        <Panel title="Cost Explorer" testId="billing-unavailable">
          <Empty>Billing is not available in this Nimbus yet.</Empty>
          <p className="muted small">Nimbus answered: {c.reason}</p>
        </Panel>
      ) : (
        <>
          <Panel title={`Cost by day (${c.period.Start} – ${c.period.End}, unblended)`} testId="billing-costs">
            <TimeChart title="Daily cost (USD)" testId="cost-chart" bars days xRange={dayRange(c.service.days)} x={c.service.days.map(([d]) => Date.parse(d) / 1000)} ys={[c.service.days.map(([, v]) => v)]} labels={['cost']} height={200} />
            <div className="total" data-testid="cost-total">Total: <b>{money(c.service.days.reduce((s, [, v]) => s + v, 0))}</b></div>
          </Panel>
          <div className="charts">
            <Panel title="By service" testId="cost-by-service"><CostTable rows={c.service.byKey} /></Panel>
            <Panel title="By purchase option" testId="cost-by-purchase"><CostTable rows={c.purchase.byKey} /></Panel>
          </div>
          <div className="charts">
            <Panel title="Savings Plans utilization" testId="sp-utilization">
              {c.sp.error ? <Empty>{errorText(c.sp.error)}</Empty> : !c.sp.total ? <Empty>No Savings Plans.</Empty> : (
                <KeyValues items={[['Utilization', `${c.sp.total.Utilization?.UtilizationPercentage ?? '–'} %`],
                  ['Commitment', money(c.sp.total.Utilization?.TotalCommitment)], ['Used', money(c.sp.total.Utilization?.UsedCommitment)],
                  ['Unused', money(c.sp.total.Utilization?.UnusedCommitment)], ['Net savings', money(c.sp.total.Savings?.NetSavings)]]} />
              )}
            </Panel>
            <Panel title="Reserved Instance utilization" testId="ri-utilization">
              {c.ri.error ? <Empty>{errorText(c.ri.error)}</Empty> : !c.ri.total ? <Empty>No Reserved Instances.</Empty> : (
                <KeyValues items={[['Utilization', `${c.ri.total.UtilizationPercentage ?? '–'} %`], ['Purchased hours', c.ri.total.PurchasedHours],
                  ['Used hours', c.ri.total.TotalActualHours], ['Unused hours', c.ri.total.UnusedHours], ['Net savings', money(c.ri.total.NetRISavings)]]} />
              )}
            </Panel>
          </div>
        </>
      )}
      <Panel title="Spot instances and interruptions" testId="spot">
        <ErrorText error={spot.error} />
        {!spot.data ? <Loading /> : spot.data.spot.length === 0 && !spot.data.requests?.length ? <Empty>No spot instances. Launch one with “Spot instance” ticked on the Instances page.</Empty> : (
          <table>
            <thead><tr><th>Instance</th><th>Type</th><th>AZ</th><th>State</th><th>Spot request</th><th>Request status</th><th>Reason</th></tr></thead>
            <tbody>
              {spot.data.spot.map((i) => {
                const req = spot.data!.requests?.find((r) => r.InstanceId === i.InstanceId || r.SpotInstanceRequestId === i.SpotInstanceRequestId);
                const interrupted = /spot/i.test(i.StateReason?.Code ?? '') || /terminated-by|marked-for|interrupt/i.test(req?.Status?.Code ?? '');
                return (
                  <tr key={i.InstanceId} data-spot={i.InstanceId} data-interrupted={interrupted}>
                    <td><Link to={`/instances/${i.InstanceId}`}>{i.InstanceId}</Link></td><td>{i.InstanceType}</td><td>{i.Placement?.AvailabilityZone}</td>
                    <td><State value={i.State?.Name} /></td><td>{req?.SpotInstanceRequestId ?? i.SpotInstanceRequestId ?? '–'}</td>
                    <td className="wrap">{req?.Status?.Code ?? '–'}{req?.Status?.UpdateTime ? ` (${time(req.Status.UpdateTime)})` : ''}</td>
                    <td className="small">{interrupted ? <b>interrupted: </b> : null}{i.StateReason?.Message ?? req?.Status?.Message ?? ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}

/** The days' extent with half a day either side, so the first and last bars show whole. */
function dayRange(days: Array<[string, number]>): [number, number] | undefined {
  if (!days.length) return undefined;
  return [Date.parse(days[0]![0]) / 1000 - 43_200, Date.parse(days.at(-1)![0]) / 1000 + 43_200];
}

function CostTable({ rows }: { rows: Array<[string, number]> }) {
  if (!rows.length) return <Empty>No costs in this period.</Empty>;
  const total = rows.reduce((s, [, v]) => s + v, 0);
  return (
    <table>
      <thead><tr><th>Key</th><th className="num">Cost</th><th className="num">Share</th></tr></thead>
      <tbody>
        {rows.map(([k, v]) => <tr key={k} data-cost-key={k}><td>{k}</td><td className="num">{money(v)}</td><td className="num">{total ? ((v / total) * 100).toFixed(1) : '0'} %</td></tr>)}
      </tbody>
    </table>
  );
}
