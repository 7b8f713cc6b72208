// Load balancers: listeners (and where they really listen), target groups with target health, request rate.
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { client } from '../aws.ts';
import { TimeChart } from '../components/Chart.tsx';
import { Empty, ErrorText, Loading, Panel, State, useRange } from '../components/ui.tsx';
import { metricSeries } from '../metrics.ts';
import { lbEndpoints } from '../nimbus.ts';
import { usePoll } from '../poll.ts';
import { Link } from '../router.tsx';

const elb = () => client(ElasticLoadBalancingV2Client);

export default function LoadBalancersPage() {
  const lbs = usePoll(async () => (await elb().send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [], []);
  return (
    <>
      <h1>Load balancers</h1>
      <ErrorText error={lbs.error} />
      {!lbs.data ? <Loading /> : lbs.data.length === 0 ? <Panel title="Load balancers"><Empty>No load balancers. Create one with <code>aws elbv2 create-load-balancer</code>.</Empty></Panel>
        : lbs.data.map((lb) => <Balancer key={lb.LoadBalancerArn} lb={lb} />)}
    </>
  );
}

function Balancer({ lb }: { lb: LoadBalancer }) {
  const range = useRange();
  const arn = lb.LoadBalancerArn!;
  const dim = arn.split(':loadbalancer/')[1] ?? '';
  const alb = lb.Type === 'application';
  const detail = usePoll(async () => {
    const [listeners, tgs, where] = await Promise.all([
      elb().send(new DescribeListenersCommand({ LoadBalancerArn: arn })),
      elb().send(new DescribeTargetGroupsCommand({ LoadBalancerArn: arn })),
      lbEndpoints().catch(() => new Map<string, string>()),
    ]);
    const health = await Promise.all((tgs.TargetGroups ?? []).map(async (tg) => ({
      tg, targets: (await elb().send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions ?? [],
    })));
    return { listeners: listeners.Listeners ?? [], health, endpoints: where };
  }, [arn]);
  const rate = usePoll(() => metricSeries([
    alb
      ? { label: 'requests/s', namespace: 'AWS/ApplicationELB', metric: 'RequestCount', dims: { LoadBalancer: dim }, stat: 'Sum', perSecond: true }
      : { label: 'new flows/s', namespace: 'AWS/NetworkELB', metric: 'NewFlowCount', dims: { LoadBalancer: dim }, stat: 'Sum', perSecond: true },
  ], range), [arn, range]);
  const address = lb.AvailabilityZones?.flatMap((z) => z.LoadBalancerAddresses ?? []).map((a) => a.IpAddress).find(Boolean);
  return (
    <Panel title={<>{lb.LoadBalancerName} <State value={lb.State?.Code} /></>} testId={`lb-${lb.LoadBalancerName}`}>
      <div className="muted small">{lb.Type} · {lb.Scheme} · {address ? `address ${address}` : lb.DNSName} · {(lb.AvailabilityZones ?? []).map((z) => z.ZoneName).join(', ')}</div>
      <ErrorText error={detail.error ?? rate.error} />
      {rate.data && <TimeChart title={alb ? 'Request rate (RequestCount per second)' : 'New flows per second'} testId="request-rate-chart" xRange={rate.data.range}
        x={rate.data.x} ys={rate.data.ys} labels={rate.data.labels} height={150} />}
      {detail.data && (
        <>
          <h3>Listeners</h3>
          {detail.data.listeners.length === 0 ? <Empty>No listeners.</Empty> : (
            <table>
              <thead><tr><th>Protocol:port</th><th>Listens at</th><th>Default action</th></tr></thead>
              <tbody>
                {detail.data.listeners.map((l) => (
                  <tr key={l.ListenerArn}>
                    <td>{l.Protocol}:{l.Port}</td>
                    <td className="mono">{detail.data!.endpoints.get(l.ListenerArn!) ?? '–'}</td>
                    <td>{(l.DefaultActions ?? []).map((a) => `${a.Type}${a.TargetGroupArn ? ` → ${a.TargetGroupArn.split(':targetgroup/')[1]?.split('/')[0]}` : ''}`).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {detail.data.health.map(({ tg, targets }) => (
            <div key={tg.TargetGroupArn} data-testid={`tg-${tg.TargetGroupName}`}>
              <h3>Target group {tg.TargetGroupName} <span className="muted small">{tg.Protocol}:{tg.Port} · health check {tg.HealthCheckPath ?? tg.HealthCheckProtocol}</span></h3>
              {targets.length === 0 ? <Empty>No registered targets.</Empty> : (
                <table>
                  <thead><tr><th>Target</th><th>Port</th><th>Health</th><th>Reason</th></tr></thead>
                  <tbody>
                    {targets.map((t) => (
                      <tr key={`${t.Target?.Id}:${t.Target?.Port}`} data-target={t.Target?.Id}>
                        <td>{t.Target?.Id?.startsWith('i-') ? <Link to={`/instances/${t.Target.Id}`}>{t.Target.Id}</Link> : t.Target?.Id}</td>
                        <td>{t.Target?.Port}</td>
                        <td><State value={t.TargetHealth?.State} /></td>
                        <td className="small">{t.TargetHealth?.Reason ?? ''} {t.TargetHealth?.Description ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          ))}
        </>
      )}
    </Panel>
  );
}
