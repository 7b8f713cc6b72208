import { connect, createServer, type Server, type Socket } from 'node:net';
import { chooseTargetGroup, chooseZone, type ListenerHost } from './runtime.ts';

// The Network Load Balancer data plane: each TCP connection (flow) goes to one target and is piped both ways.
// Flows idle for 350 s are closed (AWS NLB's fixed TCP idle timeout). The target sees Nimbus's address, not the
// client's (AWS preserves client IPs for instance targets; a userland proxy cannot).

const NLB_IDLE_MS = 350_000;

export class TcpListener {
  readonly server: Server;
  constructor(private host: ListenerHost) {
    this.server = createServer({ allowHalfOpen: true }, (sock) => this.flow(sock));
  }

  private flow(client: Socket): void {
    const { lb, listener } = this.host;
    client.on('error', () => undefined);
    const action = listener.spec.defaultAction;
    const arn = action.type === 'forward' ? chooseTargetGroup(action.targetGroups) : undefined;
    const tg = arn ? this.host.targetGroup(arn) : undefined;
    const target = tg?.pick(chooseZone(lb, tg));
    if (!tg || !target || !target.ip) {
      client.destroy();
      return;
    }
    const c = lb.counters;
    const tgc = lb.tg(tg.spec.arn);
    c.newFlows += 1;
    c.activeFlows += 1;
    tgc.newFlows += 1;
    const up = connect({ host: target.ip, port: target.port, allowHalfOpen: true });
    up.setNoDelay(true);
    client.setNoDelay(true);
    let ended = false;
    const flight = { cut: () => { client.destroy(); up.destroy(); } };
    tg.begin(target, flight);
    const end = () => {
      if (ended) return;
      ended = true;
      c.activeFlows -= 1;
      c.processedBytes += client.bytesRead + client.bytesWritten;
      client.destroy();
      up.destroy();
      tg.end(target, flight);
    };
    up.on('error', () => {
      c.targetConnErrors += 1;
      end();
    });
    client.on('close', end);
    up.on('close', end);
    client.setTimeout(NLB_IDLE_MS, end);
    client.pipe(up);
    up.pipe(client);
  }
}
