// ECS: clusters, services and tasks — when this Nimbus serves ECS.
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListClustersCommand, ListServicesCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { client, isUnavailable } from '../aws.ts';
import { Empty, ErrorText, Loading, Panel, State, time } from '../components/ui.tsx';
import { usePoll } from '../poll.ts';

const ecs = () => client(ECSClient);
const short = (arn: string | undefined) => arn?.split('/').pop() ?? '';

async function load() {
  try {
    const arns = (await ecs().send(new ListClustersCommand({}))).clusterArns ?? [];
    return {
      available: true as const,
      clusters: await Promise.all(arns.map(async (cluster) => {
        const serviceArns = (await ecs().send(new ListServicesCommand({ cluster }))).serviceArns ?? [];
        const taskArns = (await ecs().send(new ListTasksCommand({ cluster }))).taskArns ?? [];
        const services = serviceArns.length ? (await ecs().send(new DescribeServicesCommand({ cluster, services: serviceArns.slice(0, 10) }))).services ?? [] : [];
        const tasks = taskArns.length ? (await ecs().send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(0, 100) }))).tasks ?? [] : [];
        return { cluster, services, tasks };
      })),
    };
  } catch (err) {
    if (isUnavailable(err)) return { available: false as const, reason: String((err as Error).message ?? err) };
    throw err;
  }
}

export default function EcsPage() {
  const data = usePoll(load, []);
  return (
    <>
      <h1>ECS</h1>
      <ErrorText error={data.error} />
      {!data.data ? <Loading /> : !data.data.available ? (
        <Panel title="Elastic Container Service" testId="ecs-unavailable">
          <Empty>ECS is not available in this Nimbus yet.</Empty>
          <p className="muted small">Nimbus answered: {data.data.reason}</p>
        </Panel>
      ) : data.data.clusters.length === 0 ? <Panel title="Clusters" testId="ecs-clusters"><Empty>No clusters.</Empty></Panel> : data.data.clusters.map((c) => (
        <Panel key={c.cluster} title={`Cluster ${short(c.cluster)}`} testId={`ecs-cluster-${short(c.cluster)}`}>
          <h3>Services</h3>
          {c.services.length === 0 ? <Empty>No services.</Empty> : (
            <table>
              <thead><tr><th>Service</th><th>Status</th><th>Desired</th><th>Running</th><th>Pending</th><th>Launch type</th><th>Task definition</th></tr></thead>
              <tbody>
                {c.services.map((s) => (
                  <tr key={s.serviceArn}><td>{s.serviceName}</td><td><State value={s.status} /></td><td>{s.desiredCount}</td><td>{s.runningCount}</td>
                    <td>{s.pendingCount}</td><td>{s.launchType}</td><td>{short(s.taskDefinition)}</td></tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Tasks</h3>
          {c.tasks.length === 0 ? <Empty>No tasks.</Empty> : (
            <table>
              <thead><tr><th>Task</th><th>Last status</th><th>Desired</th><th>Group</th><th>Task definition</th><th>CPU / memory</th><th>Started</th></tr></thead>
              <tbody>
                {c.tasks.map((t) => (
                  <tr key={t.taskArn}><td>{short(t.taskArn)}</td><td><State value={t.lastStatus} /></td><td>{t.desiredStatus}</td><td>{t.group}</td>
                    <td>{short(t.taskDefinitionArn)}</td><td>{t.cpu} / {t.memory}</td><td>{t.startedAt ? time(t.startedAt) : '–'}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      ))}
    </>
  );
}
